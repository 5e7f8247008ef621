/**
 * What HTTP allows in a token and in a field value (RFC 9110 §5.6.2, §5.5), for the gateway's
 * checks of what it reads and what it writes.
 */

/** A method or a header name. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A field value's characters: no control characters but the tab. */
export const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * `countersign/passport`: Passport strategies in place of passport-http-oauth's, verified by the
 * engine (Passport and Express are optional peers of the library; nothing of Passport is imported).
 */
export {
  ConsumerStrategy,
  type ConsumerWithoutSecrets,
  type OAuthAuthInfo,
  type PassportStrategyOptions,
  problemHandler,
  TokenStrategy,
} from './http/passport.js';

/**
 * The server's own data in memory: for tests, and for a server embedded with a memory store. Every
 * operation runs synchronously inside one call, so the insert-only ones are atomic.
 */
import {
  type LaunchRecord,
  type Note,
  PROBLEMS_KEPT,
  type ProblemBatch,
  type ProblemEvent,
  type ServerData,
  type Session,
} from './server-data.js';

export class MemoryServerData implements ServerData {
  readonly #passwords = new Map<string, string>();
  readonly #settings = new Map<string, string>();
  readonly #sessions = new Map<string, Session>();
  readonly #launches = new Map<string, LaunchRecord>();
  readonly #notes: Note[] = [];
  #nextNoteId = 1;
  readonly #problems = new Map<string, ProblemEvent[]>();

  addAccount(user: string, passwordHash: string) {
    if (this.#passwords.has(user)) return Promise.resolve(false);
    this.#passwords.set(user, passwordHash);
    return Promise.resolve(true);
  }

  getPasswordHash(user: string) {
    return Promise.resolve(this.#passwords.get(user));
  }

  setPasswordHash(user: string, passwordHash: string) {
    this.#passwords.set(user, passwordHash);
    return Promise.resolve();
  }

  ensureSetting(name: string, value: string) {
    if (!this.#settings.has(name)) this.#settings.set(name, value);
    return Promise.resolve(this.#settings.get(name) as string);
  }

  createSession(session: Session) {
    for (const [idHash, s] of this.#sessions)
      if (s.expiresAt <= session.createdAt) this.#sessions.delete(idHash);
    this.#sessions.set(session.idHash, session);
    return Promise.resolve();
  }

  getSession(idHash: string) {
    return Promise.resolve(this.#sessions.get(idHash));
  }

  touchSession(idHash: string, expiresAt: number) {
    const current = this.#sessions.get(idHash);
    if (current) this.#sessions.set(idHash, { ...current, expiresAt });
    return Promise.resolve();
  }

  deleteSession(idHash: string) {
    this.#sessions.delete(idHash);
    return Promise.resolve();
  }

  deleteUserSessions(user: string, keep?: string) {
    let ended = 0;
    for (const [idHash, s] of this.#sessions) {
      if (s.user !== user || idHash === keep) continue;
      this.#sessions.delete(idHash);
      ended++;
    }
    return Promise.resolve(ended);
  }

  addNote(user: string, text: string, at: number) {
    const note = { id: this.#nextNoteId++, user, text, createdAt: at };
    this.#notes.push(note);
    return Promise.resolve(note);
  }

  listNotes(user: string) {
    return Promise.resolve(this.#notes.filter((n) => n.user === user).sort((a, b) => b.id - a.id));
  }

  deleteNote(user: string, id: number) {
    const index = this.#notes.findIndex((n) => n.user === user && n.id === id);
    if (index >= 0) this.#notes.splice(index, 1);
    return Promise.resolve(index >= 0);
  }

  recordProblems({ events, unrecorded }: ProblemBatch) {
    for (const event of events) {
      const list = [event, ...(this.#problems.get(event.consumerKey) ?? [])].slice(0, PROBLEMS_KEPT);
      this.#problems.set(event.consumerKey, list);
    }
    for (const [consumerKey, count] of unrecorded) {
      const [newest, ...rest] = this.#problems.get(consumerKey) ?? [];
      if (newest)
        this.#problems.set(consumerKey, [
          { ...newest, unrecorded: (newest.unrecorded ?? 0) + count },
          ...rest,
        ]);
    }
    return Promise.resolve();
  }

  listProblems(consumerKey: string) {
    return Promise.resolve([...(this.#problems.get(consumerKey) ?? [])]);
  }

  createLaunchRecord(record: LaunchRecord) {
    for (const [idHash, r] of this.#launches)
      if (r.expiresAt <= record.createdAt) this.#launches.delete(idHash);
    this.#launches.set(record.idHash, record);
    return Promise.resolve();
  }

  getLaunchRecord(idHash: string) {
    return Promise.resolve(this.#launches.get(idHash));
  }
}

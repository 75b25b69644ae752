// Types for the Sherpa chat widget's page API (README "JavaScript API and events").
// `window.Sherpa` exists as soon as sherpa.js has run; calls made before the widget module is
// loaded load it and are replayed once it is ready.

/** An instance to target: its host element (or an element inside it), or a CSS selector.
 *  Without one, calls go to the launcher instance (or the first instance). */
export type SherpaTarget = Element | string;

export interface SherpaApi {
  /** Opens the launcher panel (an inline instance is always open). */
  open(target?: SherpaTarget): void;
  /** Closes the launcher panel (no effect on inline instances). */
  close(target?: SherpaTarget): void;
  /** Opens or closes the launcher panel (no effect on inline instances). */
  toggle(target?: SherpaTarget): void;
  /** Opens the panel and sends `question`. */
  ask(question: string, target?: SherpaTarget): void;
  /** Starts a new conversation. */
  reset(target?: SherpaTarget): void;
}

/** What opened or closed the panel (`sherpa:open`, `sherpa:close`). */
export type SherpaVia =
  | "launcher" | "trigger" | "shortcut" | "url" | "api" | "attribute" | "restore"
  | "close" | "escape";

/** How a question was sent (`sherpa:question`). */
export type SherpaQuestionVia = "typed" | "starter" | "follow-up" | "trigger" | "url" | "api";

/** In every event about a conversation. */
export interface SherpaIds {
  /** The server's session id; `null` before the first answer started one. */
  conversationId: string | null;
  /** The server's id of the answer concerned; `null` where there is none. */
  messageId: number | null;
}

/** How an answer ended. */
export type SherpaAnswerState = "done" | "stopped" | "error";

/** `sherpa:message`: an answer ended. */
export interface SherpaMessageDetail extends SherpaIds {
  question: string;
  /** The answer as plain text (what was received, for `stopped` and `error`). */
  answer: string;
  state: SherpaAnswerState;
}

/** `sherpa:error`: an answer failed (dispatched just before its `sherpa:message`). */
export interface SherpaErrorDetail extends SherpaIds {
  /** The technical detail (visitors read a plain localised sentence). */
  message: string;
  /** The server's error code, when it sent one. */
  code: string | null;
  /** Whether the widget offers to retry. */
  retryable: boolean;
}

/** Events dispatched on the host element; they bubble and cross the shadow boundary. */
export interface SherpaEventMap {
  "sherpa:ready": CustomEvent<null>;
  "sherpa:open": CustomEvent<SherpaIds & { via: SherpaVia }>;
  "sherpa:close": CustomEvent<SherpaIds & { via: SherpaVia }>;
  "sherpa:question": CustomEvent<SherpaIds & { question: string; via: SherpaQuestionVia }>;
  "sherpa:message": CustomEvent<SherpaMessageDetail>;
  "sherpa:error": CustomEvent<SherpaErrorDetail>;
  "sherpa:citation-click": CustomEvent<SherpaIds & { n: number | null; documentId: string | null }>;
  "sherpa:source-click": CustomEvent<SherpaIds & { documentId: string | null; url: string }>;
  "sherpa:show-all-sources": CustomEvent<SherpaIds & { expanded: boolean }>;
  "sherpa:copy-answer": CustomEvent<SherpaIds>;
  "sherpa:copy-code": CustomEvent<SherpaIds>;
  "sherpa:feedback": CustomEvent<SherpaIds & { positive: boolean; reason: string | null }>;
  "sherpa:regenerate": CustomEvent<SherpaIds>;
  "sherpa:retry": CustomEvent<SherpaIds>;
  "sherpa:contact": CustomEvent<SherpaIds & { url: string }>;
  "sherpa:new-chat": CustomEvent<SherpaIds>;
  "sherpa:history-switch": CustomEvent<SherpaIds & { from: string | null; to: string | null }>;
  "sherpa:load-error": CustomEvent<SherpaIds & { part: "answer" }>;
}

declare global {
  interface Window {
    Sherpa: SherpaApi;
  }
  // eslint-disable-next-line no-var
  var Sherpa: SherpaApi;
  interface DocumentEventMap extends SherpaEventMap {}
  interface WindowEventMap extends SherpaEventMap {}
  interface HTMLElementEventMap extends SherpaEventMap {}
}

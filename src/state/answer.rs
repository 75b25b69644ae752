//! The answer module's half of [`Chat`]: what only runs once a conversation exists, reached
//! only through the entry points of [`crate::kit`] (and the thread's components, which the
//! answer module renders). Asking and retrying, running a turn (fetch, decode with the
//! backend's adapter, apply the events, announce them), stopping it, and keeping the
//! conversation (save, restore, the history). The release build cuts all of it out of the
//! main wasm (`src/kit.rs`); the rest of `Chat`, in `src/state.rs`, is what opening the panel
//! needs.

use super::*;

impl Chat {
    /// [`Chat::ask`] with the answer module loaded.
    pub(crate) fn ask_now(&self, question: String) {
        let user = self.new_message(|id| Message::new(id, Role::User, MsgState::Done));
        let answer = self.new_message(|id| Message::new(id, Role::Assistant, MsgState::Pending));
        user.push_text(&question);
        user.seal();
        let parent = self.inner().conv.borrow().parent_message_id;
        answer.extra.get_value().parent_before.set(parent);
        self.messages.update(|m| {
            m.push(user);
            m.push(answer);
        });
        self.trim();
        self.grew.update(|n| *n += 1);
        self.start(question, answer);
    }

    /// Asks the last question again, replacing its answer (retry after an error, or
    /// regenerate). The new answer branches from the same parent message.
    pub fn retry(&self) {
        if self.busy.get_untracked() {
            return;
        }
        let msgs = self.messages.get_untracked();
        let Some(pos) = msgs.iter().rposition(|m| m.role == Role::Assistant) else {
            return;
        };
        let Some(question) = msgs[..pos]
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.text.get_untracked())
        else {
            return;
        };
        let answer = msgs[pos];
        let parent = answer.extra.get_value().parent_before.get();
        self.inner().conv.borrow_mut().parent_message_id = parent;
        answer.reset();
        self.start(question, answer);
    }

    pub(crate) fn stop_turn(&self) {
        let ctrl = self.inner().abort.borrow().clone();
        if let Some(ctrl) = ctrl {
            ctrl.abort();
        }
        self.tell_server_to_stop();
    }

    /// Keeps the conversation in the history (before a new chat), if there is one to keep.
    pub(crate) fn archive(&self) {
        if !self.keeps_history() || self.messages.with_untracked(Vec::is_empty) {
            return;
        }
        let inner = self.inner();
        let messages = self
            .messages
            .with_untracked(|m| m.iter().map(Message::save).collect());
        let snap = Snapshot::new(inner.conv.borrow().clone(), messages);
        let mut history = inner.store.history();
        let json = history.add(snap, js_sys::Date::now() as u64, inner.config.history);
        inner.store.save_history(&json);
        self.list_history(&history);
    }

    /// Reads the history into [`Chat::history`].
    pub(crate) fn refresh_history(&self) {
        self.list_history(&self.inner().store.history());
    }

    fn list_history(&self, h: &crate::storage::History) {
        let list = h.entries.iter().map(|a| (a.id, a.title.clone(), a.time));
        self.history.set(list.collect());
    }

    /// Reopens the earlier conversation `id` (the current one goes into the history), so it
    /// can be read and continued.
    pub fn reopen(&self, id: u64) {
        if self.busy.get_untracked() {
            return;
        }
        let from = self.inner().conv.borrow().session_id.clone();
        self.archive();
        let inner = self.inner();
        let mut history = inner.store.history();
        let Some(entry) = history.take(id) else {
            return self.refresh_history();
        };
        inner.store.save_history(&history.to_json());
        self.list_history(&history);
        self.clear();
        inner.store.save(&entry.snapshot);
        self.restore();
        self.history_open.set(false);
        self.announcement.set(String::new());
        self.grew.update(|n| *n += 1);
        let to = inner.conv.borrow().session_id.clone();
        let id = |c: Option<String>| c.map_or(JsValue::NULL, |c| JsValue::from_str(&c));
        let pairs = [("from", id(from)), ("to", id(to))];
        events::report(self, events::HISTORY_SWITCH, None, &pairs);
    }

    /// Deletes the earlier conversation `id` from the history.
    pub fn delete_archived(&self, id: u64) {
        let inner = self.inner();
        let mut history = inner.store.history();
        if history.take(id).is_some() {
            inner.store.save_history(&history.to_json());
        }
        self.list_history(&history);
    }

    /// Drops the messages (in the answer module: only it makes them).
    pub(crate) fn clear(&self) {
        let gone = self.messages.try_update(std::mem::take).unwrap_or_default();
        self.forget(&gone);
        self.dropped.set(0);
    }

    /// Saves the conversation (called when a turn starts and ends, and when the page is hidden).
    pub(crate) fn save(&self) {
        let inner = self.inner();
        if inner.leaving.get() {
            return;
        }
        let messages = self
            .messages
            .with_untracked(|m| m.iter().map(Message::save).collect());
        let snap = Snapshot::new(inner.conv.borrow().clone(), messages);
        inner.store.save(&snap);
    }

    pub(crate) fn restore(&self) {
        let Some(snap) = self.inner().store.load() else {
            return;
        };
        let interrupted = "The page was reloaded before this answer finished.";
        let msgs: Vec<Message> = snap
            .messages
            .into_iter()
            .map(|m| self.new_message(|id| Message::restore(id, m, interrupted)))
            .collect();
        self.inner().conv.replace(snap.conversation);
        self.messages.set(msgs);
    }

    fn start(&self, question: String, answer: Message) {
        let this = *self;
        let Ok(ctrl) = AbortController::new() else {
            answer.apply(&ChatEvent::Error(sherpa_protocol::errors::network_error(
                "AbortController unavailable",
            )));
            return;
        };
        let inner = self.inner();
        inner.abort.replace(Some(ctrl.clone()));
        self.busy.set(true);
        inner.speech.take();
        self.save();
        let deadline = self.turn_deadline();
        spawn_local(async move {
            let outcome = this.run_turn_renewing(&question, answer, &ctrl).await;
            let timed_out = deadline.is_some_and(|(handle, passed)| {
                handle.clear();
                passed.get()
            });
            let outcome = match outcome {
                Err(Failure::Aborted) if timed_out => {
                    let seconds = this.inner().config.turn_timeout_seconds;
                    let e = sherpa_protocol::errors::turn_timeout_error(seconds);
                    Err(Failure::Error(e))
                }
                outcome => outcome,
            };
            match outcome {
                Ok(()) => {}
                Err(Failure::Aborted) => {
                    if answer.state.get_untracked().is_live() {
                        this.apply(answer, &ChatEvent::Done(StopReason::Stopped));
                    }
                }
                Err(Failure::Error(e)) => this.apply(answer, &ChatEvent::Error(e)),
            }
            if let Some(inner) = this.inner.try_get_value() {
                inner.abort.take();
            }
            this.busy.set(false);
            this.finish_turn(&question, answer);
        });
    }

    /// Starts the turn's overall deadline (`data-turn-timeout`): when it passes, the turn is
    /// stopped as the Stop button would (the server is told too, so the cost stops) and the
    /// returned flag is set, so the runner reports a retryable timeout instead of "stopped".
    fn turn_deadline(&self) -> Option<(TimeoutHandle, Rc<Cell<bool>>)> {
        let this = *self;
        let passed = Rc::new(Cell::new(false));
        let flag = passed.clone();
        let after = u64::from(self.inner().config.turn_timeout_seconds);
        let handle = set_timeout_with_handle(
            move || {
                flag.set(true);
                this.stop_turn();
            },
            std::time::Duration::from_secs(after),
        )
        .ok()?;
        Some((handle, passed))
    }

    async fn run_turn(
        &self,
        question: &str,
        answer: Message,
        ctrl: &AbortController,
    ) -> Result<(), Failure> {
        let signal = ctrl.signal();
        let inner = self.inner();
        let adapter = self.adapter();
        let (cfg, conv) = (&inner.config, &inner.conv);
        let opts = &cfg.options;
        let creds = cfg.credentials_include;
        if adapter.needs_client_conversation_id() && conv.borrow().session_id.is_none() {
            conv.borrow_mut().session_id = Some(new_conversation_id(random_bytes()));
        }
        let snapshot = conv.borrow().clone();
        if let Some(req) = adapter.session_request(opts, &snapshot) {
            let resp = transport::send(&req, &signal, creds).await?;
            if sherpa_protocol::errors::is_failure(&resp.meta()) {
                return Err(resp.into_error(&signal).await);
            }
            let body = resp.bytes(&signal, 1 << 20).await?;
            let id = adapter.parse_session(&body)?;
            conv.borrow_mut().session_id = Some(id);
        }
        let req = adapter.message_request(opts, &conv.borrow(), question);
        let resp = transport::send(&req, &signal, creds).await?;
        if sherpa_protocol::errors::is_failure(&resp.meta()) {
            return Err(resp.into_error(&signal).await);
        }
        let decoder = adapter.decoder(resp.content_type.as_deref());
        conv.borrow_mut().turns += 1;
        let idle_ms = cfg.idle_timeout_seconds.saturating_mul(1000);
        self.read_answer(answer, &resp, decoder, &signal, idle_ms)
            .await
    }

    /// Reads the answer's body to its end (or the answer's cap, or a failure), applying
    /// what it decodes as it goes.
    async fn read_answer(
        &self,
        answer: Message,
        resp: &transport::Response,
        mut decoder: Box<dyn Decoder>,
        signal: &AbortSignal,
        idle_ms: u32,
    ) -> Result<(), Failure> {
        let mut limits = TurnLimits::default();
        let mut pace = transport::Pace::start();
        loop {
            match transport::paced_chunk(resp, signal, Some(idle_ms), &mut pace).await {
                Ok(Some(bytes)) => {
                    let full = self
                        .decode(
                            answer,
                            &mut *decoder,
                            &mut limits,
                            &mut pace,
                            &bytes,
                            signal,
                        )
                        .await
                        .map_err(|gone| {
                            resp.cancel();
                            Failure::Error(gone)
                        })?;
                    if signal.aborted() {
                        return Err(Failure::Aborted);
                    }
                    if full {
                        // The answer reached its cap: stop reading (and the server).
                        self.cut_turn(resp);
                        self.apply(answer, &ChatEvent::Done(StopReason::Finished));
                        return Ok(());
                    }
                }
                Ok(None) => break,
                Err(Failure::Aborted) => return Err(Failure::Aborted),
                Err(Failure::Error(e)) => {
                    // The connection broke after a 200: keep what arrived, then report the
                    // answer as interrupted.
                    let rest = decoder.finish();
                    let rest = rest
                        .into_iter()
                        .filter(|ev| !matches!(ev, ChatEvent::Error(_)));
                    self.apply_bounded(answer, &mut limits, rest);
                    return Err(Failure::Error(sherpa_protocol::errors::broken_stream(e)));
                }
            }
        }
        let rest = decoder.finish();
        if let Some(e) = session_gone(&rest) {
            return Err(Failure::Error(e));
        }
        self.apply_bounded(answer, &mut limits, rest);
        Ok(())
    }

    /// [`Chat::run_turn`], and once more in a new server session when the server says the
    /// conversation's session is gone (a restored conversation whose session was deleted):
    /// the visitor's question is kept and asked again; a second refusal is shown, not retried.
    async fn run_turn_renewing(
        &self,
        question: &str,
        answer: Message,
        ctrl: &AbortController,
    ) -> Result<(), Failure> {
        match self.run_turn(question, answer, ctrl).await {
            Err(Failure::Error(e)) if sherpa_protocol::errors::is_session_gone(&e) => {
                let inner = self.inner();
                {
                    let mut conv = inner.conv.borrow_mut();
                    conv.session_id = None;
                    conv.parent_message_id = None;
                }
                answer.reset();
                self.run_turn(question, answer, ctrl).await
            }
            other => other,
        }
    }

    /// Decodes and applies one body chunk in slices of [`SLICE`] bytes, giving the main
    /// thread back to the browser between slices once the turn has been busy for a while
    /// ([`transport::Pace`]): a server that sends megabytes at once cannot hold the page in
    /// one long task. Stops early when the answer reaches its cap (returns true) or the turn
    /// was stopped meanwhile; a line saying the server session is gone is returned as the
    /// error, unapplied (see [`Chat::run_turn_renewing`]).
    async fn decode(
        &self,
        answer: Message,
        decoder: &mut dyn Decoder,
        limits: &mut TurnLimits,
        pace: &mut transport::Pace,
        bytes: &[u8],
        signal: &AbortSignal,
    ) -> Result<bool, ChatError> {
        for slice in bytes.chunks(SLICE) {
            let events = decoder.feed(slice);
            if let Some(e) = session_gone(&events) {
                return Err(e);
            }
            // A slice that alone used the budget (it completed a multi-megabyte line) has
            // its events applied, and so rendered, in a task of their own.
            let heavy = pace.spent();
            if heavy {
                pace.yield_now().await;
                if signal.aborted() {
                    return Ok(false);
                }
            }
            self.apply_bounded(answer, limits, events);
            if limits.answer_full() {
                return Ok(true);
            }
            if heavy {
                pace.yield_now().await;
            } else {
                pace.breathe().await;
            }
            if signal.aborted() {
                return Ok(false);
            }
        }
        Ok(false)
    }

    /// Applies decoded events through the turn's limits.
    fn apply_bounded(
        &self,
        answer: Message,
        limits: &mut TurnLimits,
        events: impl IntoIterator<Item = ChatEvent>,
    ) {
        for ev in events {
            for ev in limits.bound(ev) {
                self.apply(answer, &ev);
            }
        }
    }

    /// Ends a turn whose answer reached its cap: the body is cancelled and the server told
    /// to stop, as Stop would, so neither side spends more on text nobody will see.
    fn cut_turn(&self, resp: &transport::Response) {
        resp.cancel();
        self.tell_server_to_stop();
    }

    fn apply(&self, answer: Message, ev: &ChatEvent) {
        if let Some(inner) = self.inner.try_get_value() {
            advance(&mut inner.conv.borrow_mut(), ev);
        }
        answer.apply(ev);
        if let ChatEvent::TextDelta(t) = ev {
            self.speak(t);
            self.grew.update(|n| *n += 1);
        }
    }

    /// Collects streamed text and announces it a sentence at a time (never per token). Text
    /// with no sentence end is announced once it passes [`SPEECH_HOLD`] bytes, so the live
    /// region never holds (nor lays out, nor has read out) a whole answer at once.
    fn speak(&self, delta: &str) {
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        let ready = {
            let buf = &mut *inner.speech.borrow_mut();
            // Earlier text held no sentence end, so only the new text (and the one
            // character before it, which may end a sentence) needs scanning.
            let mut from = buf.len().saturating_sub(1);
            while !buf.is_char_boundary(from) {
                from -= 1;
            }
            buf.push_str(&strip_markers(delta));
            match last_sentence_end(&buf[from..]) {
                Some(end) => {
                    let cut = from + end;
                    let sentence = buf[..cut].to_string();
                    buf.replace_range(..cut, "");
                    Some(sentence)
                }
                None if buf.len() > SPEECH_HOLD => Some(std::mem::take(buf)),
                None => None,
            }
        };
        if let Some(s) = ready {
            self.announce(&s);
        }
    }

    /// Sets the live region to `text` (at most [`SPEECH_MAX`] bytes of it, cut at a space).
    fn announce(&self, text: &str) {
        let clean = speakable(speech_piece(text));
        if !clean.is_empty() {
            self.announcement.set(clean);
        }
    }

    fn finish_turn(&self, question: &str, answer: Message) {
        let rest = self
            .inner
            .try_get_value()
            .map(|inner| inner.speech.take())
            .unwrap_or_default();
        let state = answer.state.get_untracked();
        let ready = self
            .config()
            .texts
            .get(crate::i18n::Text::AnswerReady)
            .to_owned();
        // The live region's last words say the answer is complete.
        self.announce(&if state == MsgState::Done {
            format!("{rest} {ready}")
        } else {
            rest
        });
        self.grew.update(|n| *n += 1);
        self.save();
        if self.inner().host.is_some() {
            if let Some(e) = answer.error.get_untracked() {
                // Visitors read a plain sentence; the specifics are for the site owner.
                let code = e.code.as_deref().unwrap_or("error");
                web_sys::console::warn_1(&format!("sherpa: {code}: {}", e.message).into());
                events::report(
                    self,
                    events::ERROR,
                    Some(&answer),
                    &[
                        ("message", JsValue::from_str(&e.message)),
                        (
                            "code",
                            e.code
                                .as_deref()
                                .map(JsValue::from_str)
                                .unwrap_or(JsValue::NULL),
                        ),
                        ("retryable", JsValue::from_bool(e.retryable)),
                    ],
                );
            }
            events::report(
                self,
                events::MESSAGE,
                Some(&answer),
                &[
                    ("question", JsValue::from_str(question)),
                    ("answer", JsValue::from_str(&answer.plain_text())),
                    ("state", JsValue::from_str(state.as_str())),
                ],
            );
        }
    }
}

/// The byte index just after the last sentence end (`.`, `!`, `?`, `。` or a line break
/// followed by whitespace) in `s`, if any.
fn last_sentence_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut found = None;
    for (i, c) in s.char_indices() {
        let end = i + c.len_utf8();
        let boundary = match c {
            '\n' => true,
            '.' | '!' | '?' | '。' | '؟' => {
                bytes.get(end).is_some_and(|b| b.is_ascii_whitespace())
            }
            _ => false,
        };
        if boundary {
            found = Some(end);
        }
    }
    found
}

/// The start of `text` that one announcement reads: all of it up to [`SPEECH_MAX`] bytes,
/// else up to the last space before that (or the last character boundary, if none).
fn speech_piece(text: &str) -> &str {
    if text.len() <= SPEECH_MAX {
        return text;
    }
    let mut end = SPEECH_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    head.rfind(char::is_whitespace).map_or(head, |i| &head[..i])
}

/// Text for a screen reader: the sentence's markdown rendered to plain text (no emphasis
/// marks, code ticks or citation markers), whitespace collapsed.
fn speakable(s: &str) -> String {
    let plain = sherpa_protocol::markdown::plain_text(&sherpa_protocol::markdown::parse(s));
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The error among `events` that says the server session is gone, if any.
fn session_gone(events: &[ChatEvent]) -> Option<ChatError> {
    events.iter().find_map(|ev| match ev {
        ChatEvent::Error(e) if sherpa_protocol::errors::is_session_gone(e) => Some(e.clone()),
        _ => None,
    })
}

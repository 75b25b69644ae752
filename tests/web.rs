//! Browser tests of the widget (wasm-bindgen-test in headless Chromium):
//! mount → act → assert, with `window.fetch` replaced by a scripted stream so chunk
//! boundaries are exactly what each test chooses.
#![cfg(target_arch = "wasm32")]

use sherpa::config::{Attrs, Config};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn config(pairs: &[(&str, &str)]) -> Config {
    let attrs: Attrs = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_attrs(&attrs)
}

/// Mounts a widget into a fresh host element and returns its shadow root.
fn mount(cfg: Config) -> ShadowRoot {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    sherpa::mount::mount_into(&host, cfg, "attribute");
    host.shadow_root().expect("an open shadow root")
}

fn q(root: &ShadowRoot, sel: &str) -> Option<Element> {
    root.query_selector(sel).unwrap()
}

fn q_all(root: &ShadowRoot, sel: &str) -> Vec<Element> {
    let list = root.query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

/// One turn of the event loop (a zero-delay task). The widget reacts to a click, an input
/// event or a fetch chunk in microtasks (Leptos effects, promise callbacks), so all of them
/// have run by the time this resolves.
async fn next_turn() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Waits for a condition, checking it after every turn of the event loop, for up to 5 s.
async fn until(mut f: impl FnMut() -> bool) {
    let deadline = js_sys::Date::now() + 5000.0;
    while !f() {
        assert!(js_sys::Date::now() < deadline, "condition not met in time");
        next_turn().await;
    }
}

/// Waits until the widget in `root` shows `sel`.
async fn shown(root: &ShadowRoot, sel: &str) -> Element {
    until(|| q(root, sel).is_some()).await;
    q(root, sel).unwrap()
}

/// Replaces `window.fetch`: every call answers with the given status, content type and body
/// chunks (as separate reads). Records request URLs and bodies in `window.__sherpaRequests`.
fn script_fetch(status: u16, content_type: &str, chunks: &[&[u8]]) {
    script_fetch_opts(status, content_type, chunks, false)
}

/// Like [`script_fetch`]; with `hang` the body never ends after its chunks.
fn script_fetch_opts(status: u16, content_type: &str, chunks: &[&[u8]], hang: bool) {
    let arr = js_sys::Array::new();
    for c in chunks {
        arr.push(&js_sys::Uint8Array::from(*c));
    }
    let make = js_sys::Function::new_with_args(
        "status, ctype, chunks, hang",
        "window.__sherpaRequests = [];
         window.fetch = function (url, init) {
           window.__sherpaRequests.push({ url: String(url), body: init && init.body });
           if (String(url).endsWith('create-chat-session')) {
             return Promise.resolve(new Response('{\"chat_session_id\": \"6f9619ff-8b86-4d11-b42d-00c04fc964ff\"}',
               { status: 200, headers: { 'content-type': 'application/json' } }));
           }
           let i = 0;
           const body = new ReadableStream({ pull(c) { if (i < chunks.length) c.enqueue(chunks[i++]); else if (!hang) c.close(); else return new Promise(() => {}); } });
           return Promise.resolve(new Response(body, { status, headers: { 'content-type': ctype } }));
         };",
    );
    make.call4(
        &JsValue::NULL,
        &JsValue::from(status),
        &JsValue::from_str(content_type),
        &arr,
        &JsValue::from_bool(hang),
    )
    .unwrap();
}

fn requests() -> Vec<(String, String)> {
    let arr: js_sys::Array =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"__sherpaRequests".into())
            .unwrap()
            .unchecked_into();
    arr.iter()
        .map(|r| {
            let url = js_sys::Reflect::get(&r, &"url".into())
                .unwrap()
                .as_string()
                .unwrap();
            let body = js_sys::Reflect::get(&r, &"body".into())
                .unwrap()
                .as_string()
                .unwrap_or_default();
            (url, body)
        })
        .collect()
}

async fn type_and_send(root: &ShadowRoot, text: &str) {
    let input: web_sys::HtmlTextAreaElement = q(root, "[part~=input]").unwrap().unchecked_into();
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let send: HtmlElement = shown(root, "[part~=send]").await.unchecked_into();
    until(|| !send.has_attribute("disabled")).await;
    send.click();
}

#[wasm_bindgen_test]
async fn launcher_opens_the_panel_and_focuses_the_input() {
    let root = mount(config(&[("api-base", "/api")]));
    let launcher: HtmlElement = shown(&root, "[part~=launcher]").await.unchecked_into();
    let panel: HtmlElement = q(&root, "[part~=panel]").unwrap().unchecked_into();
    assert!(panel.hidden(), "closed at first");
    launcher.click();
    until(|| !panel.hidden()).await;
    let focused = || root.active_element().and_then(|e| e.get_attribute("part"));
    until(|| focused().is_some()).await;
    assert_eq!(focused().as_deref(), Some("input"));
}

#[wasm_bindgen_test]
async fn missing_api_base_shows_a_specific_message() {
    let root = mount(config(&[("open", "true")]));
    let err = shown(&root, "[part~=error]").await;
    assert!(err
        .text_content()
        .unwrap()
        .contains("data-api-base is missing"));
    assert!(
        q(&root, "[part~=input]").is_none(),
        "no composer when misconfigured"
    );
}

#[wasm_bindgen_test]
async fn streamed_answer_with_utf8_split_across_reads() {
    let lines: &[&[u8]] = &[
        b"{\"user_message_id\": 1, \"reserved_assistant_message_id\": 2}\n{\"placement\": {\"turn_index\": 1, \"tab_index\": 0, \"sub_turn_index\": null, \"model_index\": 0}, \"obj\": {\"type\": \"message_delta\", \"content\": \"Caf\xC3",
        b"\xA9 \xF0\x9F\x98",
        b"\x80\"}}\n{\"placement\": {\"turn_index\": 1, \"tab_index\": 0, \"sub_turn_index\": null, \"model_index\": 0}, \"obj\": {\"type\": \"stop\", \"stop_reason\": null}}\n",
    ];
    script_fetch(200, "text/event-stream", lines);
    let root = mount(config(&[
        ("api-base", "https://chat.example.com/api"),
        ("mode", "inline"),
    ]));
    shown(&root, "[part~=input]").await;
    type_and_send(&root, "Coffee?").await;
    until(|| q(&root, "[part~=message-assistant][data-state=done]").is_some()).await;
    let answer = q(&root, "[part~=answer]").unwrap().text_content().unwrap();
    assert_eq!(answer.trim(), "Café 😀");
    let user = q_all(&root, "[part~=message-user]");
    assert_eq!(user.len(), 1);
    assert_eq!(user[0].text_content().unwrap(), "Coffee?");
    let all = requests();
    // The persona (starter questions) is fetched at mount; the rest is the chat turn.
    assert!(all
        .iter()
        .any(|r| r.0 == "https://chat.example.com/api/persona/0"));
    let reqs: Vec<_> = all
        .into_iter()
        .filter(|r| !r.0.contains("/persona/"))
        .collect();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].0,
        "https://chat.example.com/api/chat/create-chat-session"
    );
    assert_eq!(
        reqs[1].0,
        "https://chat.example.com/api/chat/send-chat-message"
    );
    let body: serde_json::Value = serde_json::from_str(&reqs[1].1).unwrap();
    assert_eq!(body["message"], "Coffee?");
    assert_eq!(
        body["chat_session_id"],
        "6f9619ff-8b86-4d11-b42d-00c04fc964ff"
    );
}

#[wasm_bindgen_test]
async fn server_error_keeps_the_question_and_shows_the_mapped_message() {
    script_fetch(
        401,
        "application/json",
        &[b"{\"detail\":\"Invalid API key\"}"],
    );
    let root = mount(config(&[("api-base", "/api"), ("mode", "inline")]));
    shown(&root, "[part~=input]").await;
    type_and_send(&root, "Hello?").await;
    until(|| q(&root, "[part~=message-assistant][data-state=error]").is_some()).await;
    let err = q(&root, "[part~=message-assistant] [part~=error]").unwrap();
    let text = err.text_content().unwrap();
    assert!(text.contains("API key"), "{text}");
    assert_eq!(
        q(&root, "[part~=message-user]")
            .unwrap()
            .text_content()
            .unwrap(),
        "Hello?"
    );
}

const P1: &str = r#"{"turn_index": 1, "tab_index": 0, "sub_turn_index": null, "model_index": 0}"#;

/// An Onyx packet v2 stream: ids line, one search document, the given deltas, stop.
fn onyx_stream(deltas: &[&str], cite: Option<(u32, &str)>) -> Vec<u8> {
    let mut s = String::from("{\"user_message_id\": 1, \"reserved_assistant_message_id\": 2}\n");
    s.push_str(&format!(
        r#"{{"placement": {P1}, "obj": {{"type": "message_start", "final_documents": [{{"document_id": "DOC-1", "semantic_identifier": "Refund policy", "link": "https://kb.example.com/refund", "blurb": "Refunds within 30 days", "source_type": "confluence"}}]}}}}"#
    ));
    s.push('\n');
    if let Some((n, id)) = cite {
        s.push_str(&format!(
            r#"{{"placement": {P1}, "obj": {{"type": "citation_info", "citation_number": {n}, "document_id": "{id}"}}}}"#
        ));
        s.push('\n');
    }
    for d in deltas {
        let content = serde_json::to_string(d).unwrap();
        s.push_str(&format!(
            r#"{{"placement": {P1}, "obj": {{"type": "message_delta", "content": {content}}}}}"#
        ));
        s.push('\n');
    }
    s.push_str(&format!(
        r#"{{"placement": {P1}, "obj": {{"type": "stop", "stop_reason": null}}}}"#
    ));
    s.push('\n');
    s.into_bytes()
}

async fn ask_inline(extra: &[(&str, &str)], question: &str) -> ShadowRoot {
    let mut attrs = vec![
        ("api-base", "https://chat.example.com/api"),
        ("mode", "inline"),
        ("persist", "none"),
    ];
    attrs.extend_from_slice(extra);
    let root = mount(config(&attrs));
    shown(&root, "[part~=input]").await;
    type_and_send(&root, question).await;
    root
}

#[wasm_bindgen_test]
async fn markdown_renders_as_nodes_and_raw_html_stays_text() {
    let body = onyx_stream(
        &[
            "**Bold** and <img src=x onerror=\"window.__pwned=1\"> <script>window.__pwned=1</script>\n\n",
            "- one\n- [bad](javascript:window.__pwned=1)\n- [good](https://example.com)\n\n",
            "```js\nlet x = '<b>';\n```\n",
        ],
        None,
    );
    script_fetch(200, "text/event-stream", &[&body]);
    let root = ask_inline(&[], "md?").await;
    until(|| q(&root, "[part~=message-assistant][data-state=done]").is_some()).await;
    let answer = q(&root, "[part~=answer]").unwrap();
    assert_eq!(
        answer
            .query_selector("strong")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Bold"
    );
    assert!(
        answer.query_selector("img, script").unwrap().is_none(),
        "raw HTML never becomes elements"
    );
    assert!(
        answer
            .text_content()
            .unwrap()
            .contains("<script>window.__pwned=1</script>"),
        "shown as text"
    );
    let links = q_all(&root, "[part~=answer] a");
    let hrefs: Vec<String> = links
        .iter()
        .filter_map(|a| a.get_attribute("href"))
        .collect();
    assert_eq!(
        hrefs,
        vec!["https://example.com".to_string()],
        "the javascript: link lost its href"
    );
    for a in &links {
        assert_eq!(
            a.get_attribute("rel").as_deref(),
            Some("noopener noreferrer")
        );
        assert_eq!(a.get_attribute("target").as_deref(), Some("_blank"));
    }
    assert_eq!(
        q(&root, "[part~=answer] pre code")
            .unwrap()
            .text_content()
            .unwrap(),
        "let x = '<b>';\n"
    );
    assert!(q(&root, "[part~=copy-code]").is_some());
    let pwned = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__pwned".into()).unwrap();
    assert!(pwned.is_undefined());
}

#[wasm_bindgen_test]
async fn citation_resolves_to_a_button_that_reveals_its_source_card() {
    let body = onyx_stream(
        &[
            "Refunds are allowed within 30 days.",
            " [[1]](https://kb.example.com/refund)",
            " Also [[7]]().",
        ],
        Some((1, "DOC-1")),
    );
    script_fetch(200, "text/event-stream", &[&body]);
    let root = ask_inline(&[], "Refund?").await;
    until(|| q(&root, "[part~=message-assistant][data-state=done]").is_some()).await;
    let cites = q_all(&root, "[part~=citation]");
    assert_eq!(cites.len(), 1, "citation 7 has no document and is dropped");
    assert_eq!(cites[0].text_content().unwrap(), "1");
    assert!(cites[0]
        .get_attribute("aria-label")
        .unwrap()
        .contains("Refund policy"));
    let card = q(&root, "[part~=source-card]").unwrap();
    assert!(card.text_content().unwrap().contains("kb.example.com"));
    cites[0].unchecked_ref::<HtmlElement>().click();
    until(|| {
        root.active_element()
            .and_then(|e| e.get_attribute("part"))
            .as_deref()
            == Some("source-card")
    })
    .await;
    assert!(card.class_list().contains("highlight"));
}

#[wasm_bindgen_test]
async fn a_stalled_stream_fails_with_a_specific_retryable_message() {
    let head = onyx_stream(&["Partial"], None);
    // Everything but the final stop line, then silence.
    let cut = head.len() - head.iter().rev().skip(1).position(|&b| b == b'\n').unwrap() - 1;
    script_fetch_opts(200, "text/event-stream", &[&head[..cut]], true);
    let root = ask_inline(&[("idle-timeout", "1")], "Hello?").await;
    until(|| q(&root, "[part~=message-assistant][data-state=error]").is_some()).await;
    let err = q(&root, "[part~=message-assistant] [part~=error]")
        .unwrap()
        .text_content()
        .unwrap();
    assert!(err.contains("stopped responding"), "{err}");
    assert!(q(&root, "[part~=retry]").is_some());
    assert!(q(&root, "[part~=answer]")
        .unwrap()
        .text_content()
        .unwrap()
        .contains("Partial"));
}

/// Mounts an inline widget whose live region records what it announces, streaming `deltas`
/// one read per line, and asks; returns the widget once the answer is done.
async fn ask_and_listen(deltas: &[&str]) -> ShadowRoot {
    let body = onyx_stream(deltas, None);
    // One read per line, so the deltas arrive separately.
    let lines: Vec<&[u8]> = body.split_inclusive(|&b| b == b'\n').collect();
    script_fetch(200, "text/event-stream", &lines);
    let root = mount(config(&[
        ("api-base", "https://chat.example.com/api"),
        ("mode", "inline"),
        ("persist", "none"),
    ]));
    let region = shown(&root, "[aria-live=polite]").await;
    let watch = js_sys::Function::new_with_args(
        "el",
        "window.__announced = [];
         new MutationObserver(() => window.__announced.push(el.textContent))
           .observe(el, { childList: true, characterData: true, subtree: true });",
    );
    watch.call1(&JsValue::NULL, &region).unwrap();
    type_and_send(&root, "Returns?").await;
    until(|| q(&root, "[part~=message-assistant][data-state=done]").is_some()).await;
    // The announcer reacts to the answer's end within that turn of the event loop.
    next_turn().await;
    root
}

/// What the live region announced, in order (empty and repeated texts left out).
fn announced() -> Vec<String> {
    let seen: js_sys::Array =
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"__announced".into())
            .unwrap()
            .unchecked_into();
    let mut texts: Vec<String> = seen.iter().filter_map(|v| v.as_string()).collect();
    texts.retain(|t| !t.is_empty());
    texts.dedup();
    texts
}

#[wasm_bindgen_test]
async fn the_live_region_announces_whole_sentences_not_tokens() {
    ask_and_listen(&[
        "Refunds are",
        " allowed within 30 days.",
        " Returns need",
        " a **receipt**.",
    ])
    .await;
    // The last words also say the answer is complete ("Answer ready.", data-text-answer-ready).
    assert_eq!(
        announced(),
        vec![
            "Refunds are allowed within 30 days.",
            "Returns need a receipt. Answer ready."
        ]
    );
}

#[wasm_bindgen_test]
async fn text_without_sentence_ends_is_announced_in_bounded_pieces() {
    let words = "word ".repeat(300); // 1,500 bytes: over the 1,000 held
    let long = "long ".repeat(1_000); // 5,000 bytes in one delta: over the 2,000 read
    ask_and_listen(&[&words, &words, &long]).await;
    // Each `words` is announced whole (the second, the same text, is left out as a repeat);
    // of `long`, the first 2,000 bytes up to a space; then that the answer is complete.
    let texts = announced();
    assert_eq!(
        texts.len(),
        3,
        "{:?}",
        texts.iter().map(String::len).collect::<Vec<_>>()
    );
    assert_eq!(texts[0], words.trim());
    assert!(
        texts[1].starts_with("long long") && texts[1].len() <= 2_000,
        "{}",
        texts[1].len()
    );
    assert_eq!(texts[2], "Answer ready.");
}

#[wasm_bindgen_test]
async fn a_long_conversation_keeps_its_latest_messages() {
    let turn: &[&[u8]] = &[
        b"{\"user_message_id\": 1, \"reserved_assistant_message_id\": 2}\n{\"placement\": {\"turn_index\": 1, \"tab_index\": 0, \"sub_turn_index\": null, \"model_index\": 0}, \"obj\": {\"type\": \"message_delta\", \"content\": \"Noted.\"}}\n",
        b"{\"placement\": {\"turn_index\": 1, \"tab_index\": 0, \"sub_turn_index\": null, \"model_index\": 0}, \"obj\": {\"type\": \"stop\", \"stop_reason\": null}}\n",
    ];
    script_fetch(200, "application/x-ndjson", turn);
    let root = mount(config(&[
        ("api-base", "https://long.example.com/api"),
        ("mode", "inline"),
        ("persist", "none"),
    ]));
    shown(&root, "[part~=input]").await;
    let kept_turns = sherpa::state::MAX_MESSAGES / 2;
    let turns = kept_turns + 3;
    for i in 0..turns {
        type_and_send(&root, &format!("Question {i}")).await;
        until(|| {
            let users = q_all(&root, "[part~=message-user]");
            let done = q_all(&root, "[part~=message-assistant]")
                .last()
                .and_then(|a| a.get_attribute("data-state"))
                .is_some_and(|s| s == "done");
            done && users.last().and_then(|u| u.text_content()) == Some(format!("Question {i}"))
        })
        .await;
        // The note appears exactly when the first messages have been let go.
        assert_eq!(
            q(&root, "[part~=earlier]").is_some(),
            i >= kept_turns,
            "turn {i}"
        );
    }
    let users = q_all(&root, "[part~=message-user]");
    let answers = q_all(&root, "[part~=message-assistant]");
    assert_eq!(users.len(), kept_turns);
    assert_eq!(answers.len(), kept_turns);
    // Whole turns go, oldest first: the thread starts with the 4th question.
    assert_eq!(users[0].text_content().unwrap(), "Question 3");
    let thread = q(&root, "[part~=thread]").unwrap();
    let first = thread.query_selector("[part~=message]").unwrap().unwrap();
    assert!(first
        .get_attribute("part")
        .unwrap()
        .contains("message-user"));
    // A new chat clears the thread and the note.
    let new_chat: HtmlElement = q(&root, "[part~=new-chat]").unwrap().unchecked_into();
    new_chat.click();
    until(|| q(&root, "[part~=message]").is_none() && q(&root, "[part~=earlier]").is_none()).await;
}

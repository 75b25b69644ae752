//! The widget's components. They take signals (and the [`Chat`] handle for actions) and
//! render inside the instance's shadow root.

mod message;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use crate::config::{Mode, Position};
use crate::state::Chat;
use message::MessageView;

/// A whole widget instance: launcher + panel, or the panel alone in inline mode.
#[component]
pub fn App(chat: Chat) -> impl IntoView {
    let cfg = chat.config();
    let inline = cfg.mode == Mode::Inline;
    let open = RwSignal::new(inline || cfg.open);
    let launcher_ref = NodeRef::<html::Button>::new();
    let input_ref = NodeRef::<html::Textarea>::new();

    // Focus the input when the panel opens.
    Effect::new(move |prev: Option<bool>| {
        let now = open.get();
        if now && prev == Some(false) {
            if let Some(i) = input_ref.get() {
                let _ = i.focus();
            }
        }
        now
    });

    let close = move || {
        open.set(false);
        if let Some(b) = launcher_ref.get() {
            let _ = b.focus();
        }
    };
    let on_keydown = move |e: ev::KeyboardEvent| {
        if e.key() == "Escape" && !inline {
            e.stop_propagation();
            close();
        }
    };
    let position = match cfg.position {
        Position::Right => "right",
        Position::Left => "left",
    };
    let title = cfg.title.clone();
    let problems = cfg.problems.clone();

    view! {
        <div class="sherpa" data-mode=if inline { "inline" } else { "launcher" } data-position=position>
            {(!inline).then(|| view! {
                <button
                    part="launcher"
                    class="launcher"
                    node_ref=launcher_ref
                    aria-label=format!("Open chat: {title}")
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">
                        <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/>
                    </svg>
                </button>
            })}
            <section
                part="panel"
                class="panel"
                role=if inline { "region" } else { "dialog" }
                aria-label=cfg.title.clone()
                hidden=move || !open.get()
                on:keydown=on_keydown
            >
                <header part="header" class="header">
                    <h2 class="title">{cfg.title.clone()}</h2>
                    {(!inline).then(|| view! {
                        <button part="close" class="icon" aria-label="Close chat" on:click=move |_| close()>
                            "×"
                        </button>
                    })}
                </header>
                {if problems.is_empty() {
                    view! { <Conversation chat=chat input_ref=input_ref/> }.into_any()
                } else {
                    view! { <ConfigProblems problems=problems/> }.into_any()
                }}
            </section>
        </div>
    }
}

/// Shown instead of the conversation when the configuration is unusable.
#[component]
fn ConfigProblems(problems: Vec<String>) -> impl IntoView {
    view! {
        <div part="error" class="error config-error" role="alert">
            <p><strong>"This chat widget is not set up correctly."</strong></p>
            <ul>{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
        </div>
    }
}

/// The thread and the composer.
#[component]
fn Conversation(chat: Chat, input_ref: NodeRef<html::Textarea>) -> impl IntoView {
    let messages = chat.messages;
    let busy = chat.busy;
    let draft = RwSignal::new(String::new());
    let cfg = chat.config();
    let welcome = cfg.welcome.clone();

    let send = {
        move || {
            let text = draft.get_untracked();
            if text.trim().is_empty() || busy.get_untracked() {
                return;
            }
            chat.ask(&text);
            draft.set(String::new());
        }
    };
    let send_on_enter = {
        move |e: ev::KeyboardEvent| {
            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                e.prevent_default();
                send();
            }
        }
    };
    let stop = move |_| chat.stop();

    view! {
        <div part="thread" class="thread" role="log" aria-live="off" aria-label="Conversation">
            <Show when=move || messages.with(Vec::is_empty)>
                <p class="welcome">{welcome.clone()}</p>
            </Show>
            <For each=move || messages.get() key=|m| m.id let:m>
                <MessageView message=m/>
            </For>
        </div>
        <form part="composer" class="composer" on:submit=move |e: ev::SubmitEvent| { e.prevent_default(); send(); }>
            <textarea
                part="input"
                class="input"
                rows="1"
                node_ref=input_ref
                aria-label="Your question"
                placeholder=cfg.placeholder.clone()
                prop:value=move || draft.get()
                on:input=move |e| draft.set(event_target_value(&e))
                on:keydown=send_on_enter
            ></textarea>
            <Show
                when=move || busy.get()
                fallback=move || view! {
                    <button part="send" class="send" type="submit" aria-label="Send"
                        disabled=move || draft.with(|d| d.trim().is_empty())>"Send"</button>
                }
            >
                <button part="stop" class="send stop" type="button" aria-label="Stop answering" on:click=stop>"Stop"</button>
            </Show>
        </form>
    }
}

//! One message of the thread.

use leptos::prelude::*;

use crate::state::{Message, MsgState, Role};

/// A user or assistant message. Assistant messages carry `data-state`.
#[component]
pub fn MessageView(message: Message) -> impl IntoView {
    match message.role {
        Role::User => view! {
            <div part="message message-user" class="message user">
                <div class="bubble">{move || message.text.get()}</div>
            </div>
        }
        .into_any(),
        Role::Assistant => view! {
            <div
                part="message message-assistant"
                class="message assistant"
                data-state=move || message.state.get().as_str()
                aria-busy=move || matches!(message.state.get(), MsgState::Pending | MsgState::Streaming).to_string()
            >
                <Show when=move || message.state.get() == MsgState::Pending && message.text.with(String::is_empty)>
                    <div part="status" class="status" role="status">"Thinking…"</div>
                </Show>
                <div part="answer" class="answer">{move || message.text.get()}</div>
                {move || message.error.get().map(|e| view! {
                    <div part="error" class="error" role="alert">{e.message}</div>
                })}
            </div>
        }
        .into_any(),
    }
}

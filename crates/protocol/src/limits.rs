//! Bounds on what one turn may put on the page. A hostile or broken server cannot make the
//! widget hold, lay out or announce unbounded text: every event of a turn passes through a
//! [`TurnLimits`] between the decoder and the UI. What is cut is cut visibly (an ellipsis on
//! a label, a [`ChatEvent::Truncated`] note on the answer), never silently failed.
//!
//! The limits are documented in the README ("Limits"); they are far above what a real answer
//! needs.

use crate::event::{ChatEvent, Cut, Document, Status};

/// Characters of answer text kept per turn (about 25 printed pages); the rest is cut.
pub const ANSWER_CHARS: usize = 100_000;
/// Source documents kept per turn (the first ones the server sent).
pub const DOCUMENTS: usize = 50;
/// Distinct citation numbers kept per turn.
pub const CITATIONS: usize = 200;
/// Characters of a document title or source type.
pub const TITLE_CHARS: usize = 200;
/// Characters of a document excerpt.
pub const BLURB_CHARS: usize = 500;
/// A longer link is dropped (the card stays, without a link).
pub const LINK_CHARS: usize = 2_048;
/// Follow-up questions kept, and characters of each.
pub const FOLLOW_UPS: usize = 5;
pub const FOLLOW_UP_CHARS: usize = 300;
/// Characters of reasoning kept per turn; more is dropped (the end of long reasoning is
/// shown as an ellipsis).
pub const REASONING_CHARS: usize = 20_000;
/// Search queries shown in the status line, and characters of each.
pub const QUERIES: usize = 5;
pub const QUERY_CHARS: usize = 200;

/// The running counts of one turn.
#[derive(Debug, Default)]
pub struct TurnLimits {
    chars: usize,
    reasoning_chars: usize,
    document_ids: Vec<String>,
    citations: Vec<(u32, String)>,
    answer_cut: bool,
    sources_cut: bool,
}

impl TurnLimits {
    /// Whether the answer reached its cap: the caller ends the turn (and stops the server).
    pub fn answer_full(&self) -> bool {
        self.answer_cut
    }

    /// Bounds one event: the events to pass on instead (none, the event itself, a shortened
    /// copy, and a [`ChatEvent::Truncated`] the first time something is cut).
    pub fn bound(&mut self, ev: ChatEvent) -> Vec<ChatEvent> {
        match ev {
            ChatEvent::TextDelta(t) => self.text(t),
            ChatEvent::Reasoning(t) => self.reasoning(t),
            ChatEvent::Documents(docs) => self.documents(docs),
            ChatEvent::Citation {
                number,
                document_id,
            } => self.citation(number, document_id),
            ChatEvent::FollowUps(qs) => vec![ChatEvent::FollowUps(
                qs.iter()
                    .take(FOLLOW_UPS)
                    .map(|q| label(q, FOLLOW_UP_CHARS))
                    .collect(),
            )],
            ChatEvent::Status(Status::Searching { queries }) => {
                vec![ChatEvent::Status(Status::Searching {
                    queries: queries
                        .iter()
                        .take(QUERIES)
                        .map(|q| label(q, QUERY_CHARS))
                        .collect(),
                })]
            }
            ChatEvent::Status(Status::RunningTool { name }) => {
                vec![ChatEvent::Status(Status::RunningTool {
                    name: name.map(|n| label(&n, QUERY_CHARS)),
                })]
            }
            ev => vec![ev],
        }
    }

    fn text(&mut self, t: String) -> Vec<ChatEvent> {
        if self.answer_cut {
            return vec![];
        }
        let room = ANSWER_CHARS - self.chars;
        let n = t.chars().count();
        if n <= room {
            self.chars += n;
            return vec![ChatEvent::TextDelta(t)];
        }
        self.chars = ANSWER_CHARS;
        self.answer_cut = true;
        let kept: String = t.chars().take(room).collect();
        vec![
            ChatEvent::TextDelta(kept),
            ChatEvent::Truncated(Cut::Answer),
        ]
    }

    fn reasoning(&mut self, t: String) -> Vec<ChatEvent> {
        let room = REASONING_CHARS.saturating_sub(self.reasoning_chars);
        if room == 0 {
            return vec![];
        }
        let n = t.chars().count();
        if n <= room {
            self.reasoning_chars += n;
            return vec![ChatEvent::Reasoning(t)];
        }
        self.reasoning_chars = REASONING_CHARS;
        let mut kept: String = t.chars().take(room).collect();
        kept.push('…');
        vec![ChatEvent::Reasoning(kept)]
    }

    fn documents(&mut self, docs: Vec<Document>) -> Vec<ChatEvent> {
        let mut kept = Vec::new();
        let mut cut = false;
        for d in docs {
            if self.document_ids.contains(&d.id) {
                continue;
            }
            if self.document_ids.len() == DOCUMENTS {
                cut = true;
                break;
            }
            self.document_ids.push(d.id.clone());
            kept.push(bound_document(d));
        }
        let mut out = vec![];
        if !kept.is_empty() {
            out.push(ChatEvent::Documents(kept));
        }
        if cut && !self.sources_cut {
            self.sources_cut = true;
            out.push(ChatEvent::Truncated(Cut::Sources));
        }
        out
    }

    /// A citation already known (same number, same document) changes nothing and is dropped,
    /// so a flood of repeats costs no rendering; new numbers stop at [`CITATIONS`].
    fn citation(&mut self, number: u32, document_id: String) -> Vec<ChatEvent> {
        let pair = (number, document_id);
        if self.citations.contains(&pair) || self.citations.len() == CITATIONS {
            return vec![];
        }
        self.citations.push(pair.clone());
        vec![ChatEvent::Citation {
            number: pair.0,
            document_id: pair.1,
        }]
    }
}

fn bound_document(d: Document) -> Document {
    Document {
        title: label(&d.title, TITLE_CHARS),
        blurb: label(&d.blurb, BLURB_CHARS),
        source_type: label(&d.source_type, TITLE_CHARS),
        link: d.link.filter(|l| l.chars().count() <= LINK_CHARS),
        id: d.id,
    }
}

/// Bidi embedding, override and isolate controls (U+202A–202E, U+2066–2069): in a label
/// they can reorder what a visitor reads (a host shown backwards, a title that hides its
/// end).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A server string made fit to show as a label: bidi controls removed, at most `max`
/// characters, with an ellipsis when it was longer.
pub fn label(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().filter(|&c| !is_bidi_control(c)).enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(i: usize, title: &str) -> Document {
        Document {
            id: format!("d{i}"),
            title: title.to_string(),
            ..Document::default()
        }
    }

    #[test]
    fn reasoning_stops_at_its_cap_with_an_ellipsis() {
        let mut l = TurnLimits::default();
        let big = "x".repeat(REASONING_CHARS - 1);
        assert_eq!(
            l.bound(ChatEvent::Reasoning(big.clone())),
            vec![ChatEvent::Reasoning(big)]
        );
        assert_eq!(
            l.bound(ChatEvent::Reasoning("abc".into())),
            vec![ChatEvent::Reasoning("a…".into())]
        );
        assert!(l.bound(ChatEvent::Reasoning("more".into())).is_empty());
        assert!(
            !l.answer_full(),
            "reasoning does not use the answer's budget"
        );
    }

    #[test]
    fn answer_text_stops_at_the_cap_with_one_note() {
        let mut l = TurnLimits::default();
        let mut out = vec![];
        let chunk = "é".repeat(30_000);
        for _ in 0..5 {
            out.extend(l.bound(ChatEvent::TextDelta(chunk.clone())));
        }
        let text: String = out
            .iter()
            .filter_map(|e| match e {
                ChatEvent::TextDelta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(text.chars().count(), ANSWER_CHARS);
        let notes = out
            .iter()
            .filter(|e| **e == ChatEvent::Truncated(Cut::Answer))
            .count();
        assert_eq!(notes, 1);
        assert!(l.answer_full());
        assert_eq!(out.last(), Some(&ChatEvent::Truncated(Cut::Answer)));
    }

    #[test]
    fn text_under_the_cap_passes_unchanged() {
        let mut l = TurnLimits::default();
        let ev = ChatEvent::TextDelta("Refunds are allowed.".into());
        assert_eq!(l.bound(ev.clone()), vec![ev]);
        assert!(!l.answer_full());
    }

    #[test]
    fn documents_are_capped_deduplicated_and_their_labels_bounded() {
        let mut l = TurnLimits::default();
        let huge = "t".repeat(1 << 20);
        let mut docs: Vec<Document> = (0..10_000).map(|i| doc(i % 60, "t")).collect();
        docs[0] = doc(0, &huge);
        let out = l.bound(ChatEvent::Documents(docs));
        let ChatEvent::Documents(kept) = &out[0] else {
            panic!("{out:?}")
        };
        assert_eq!(kept.len(), DOCUMENTS);
        assert_eq!(kept[0].title.chars().count(), TITLE_CHARS + 1);
        assert_eq!(kept[1].title, "t");
        assert!(kept[0].title.ends_with('…'));
        assert_eq!(out[1], ChatEvent::Truncated(Cut::Sources));
        // Later documents: repeats are dropped, new ones cut without a second note.
        let out = l.bound(ChatEvent::Documents(vec![doc(1, "x"), doc(99, "y")]));
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn long_links_are_dropped_not_shortened() {
        let mut l = TurnLimits::default();
        let mut d = doc(1, "Title");
        d.link = Some(format!("https://a.example/{}", "x".repeat(LINK_CHARS)));
        let mut ok = doc(2, "Other");
        ok.link = Some("https://a.example/ok".into());
        let out = l.bound(ChatEvent::Documents(vec![d, ok]));
        let ChatEvent::Documents(kept) = &out[0] else {
            panic!()
        };
        assert_eq!(kept[0].link, None);
        assert_eq!(kept[1].link.as_deref(), Some("https://a.example/ok"));
    }

    #[test]
    fn repeated_and_excess_citations_are_dropped() {
        let mut l = TurnLimits::default();
        let cite = |n: u32| ChatEvent::Citation {
            number: n,
            document_id: format!("d{n}"),
        };
        assert_eq!(l.bound(cite(1)).len(), 1);
        for _ in 0..10_000 {
            assert!(l.bound(cite(1)).is_empty());
        }
        let passed: usize = (2..1_000).map(|n| l.bound(cite(n)).len()).sum();
        assert_eq!(passed, CITATIONS - 1);
    }

    #[test]
    fn labels_lose_bidi_controls_and_stay_short() {
        assert_eq!(
            label("good\u{202E}lpmaxe.live\u{202C}", 50),
            "goodlpmaxe.live"
        );
        assert_eq!(label("a\u{2066}b\u{2069}c", 50), "abc");
        assert_eq!(label("abcdef", 3), "abc…");
        assert_eq!(label("abc", 3), "abc");
        let mut l = TurnLimits::default();
        let out = l.bound(ChatEvent::FollowUps(
            (0..9).map(|i| format!("Q{i}\u{202E}?")).collect(),
        ));
        assert_eq!(
            out,
            vec![ChatEvent::FollowUps(
                (0..FOLLOW_UPS).map(|i| format!("Q{i}?")).collect()
            )]
        );
    }
}

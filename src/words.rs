//! Word tests shared by the import's guesses and the pages' pictures, so that what
//! `pmsite import` calls a change and what a timeline draws as one never drift apart.

/// Whether `word` occurs in `hay` as a whole word; a trailing `*` in `word` matches any
/// ending ("restart*" matches "restarting"). Both are expected in lowercase.
pub(crate) fn has_word(hay: &str, word: &str) -> bool {
    let (word, prefix) = match word.strip_suffix('*') {
        Some(w) => (w, true),
        None => (word, false),
    };
    let bytes = hay.as_bytes();
    hay.match_indices(word).any(|(at, _)| {
        let before_ok = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let end = at + word.len();
        let after_ok = prefix || end >= bytes.len() || !bytes[end].is_ascii_alphanumeric();
        before_ok && after_ok
    })
}

/// Words that say an event changed the system: the usual triggers of an incident.
const CHANGE_WORDS: &[&str] = &[
    "deploy*",
    "rollout",
    "rolls out",
    "rolled out",
    "rolling out",
    "roll out",
    "config push",
    "config change",
    "configuration change",
    "pushed",
    "changed",
    "migration",
    "migrated",
    "migrating",
    "released",
    "release of",
    "upgraded",
    "upgrade",
    "merged",
];

/// Whether an event's text describes a change to the system (a deploy, a config push, a
/// rollout, a migration) rather than an observation.
pub(crate) fn describes_change(text: &str) -> bool {
    let lower = text.to_lowercase();
    CHANGE_WORDS.iter().any(|w| has_word(&lower, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_and_prefixes() {
        assert!(has_word("service restarted", "restart*"));
        assert!(!has_word("unrestarted", "restart*"));
        assert!(has_word("paged", "paged"));
        assert!(!has_word("pagedown", "paged"));
    }

    #[test]
    fn changes_from_words() {
        for t in [
            "inventory-service 4.18.0 rolls out to all pods",
            "Config pushed to all regions",
            "Deploy timeout handling change",
            "Database migration started",
            "Feature flag changed for 10% of users",
        ] {
            assert!(describes_change(t), "{t}");
        }
        for t in ["Responders look at payments-db", "Status page updated", "Redeployment of nothing"] {
            assert!(!describes_change(t), "{t}");
        }
    }
}

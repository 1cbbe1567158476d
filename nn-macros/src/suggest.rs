//! "Did you mean" hints: the closest known name by edit distance.

/// Levenshtein distance between two short names.
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The known name closest to `word`, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (distance(word, k), *k))
        .filter(|(d, k)| *d <= k.len().div_ceil(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "`a`, `b` or `c`".
pub fn list(known: &[&str]) -> String {
    let quoted: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The article before a name: "an" when it begins with a vowel (`an `adaptive_avg_pool2d``
/// layer), "a" otherwise.
pub fn article(name: &str) -> &'static str {
    match name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

/// "unknown X `word`; expected one of ...", with a hint when a known name is close or
/// `word` is another library's name for a known one (`aliases`: `(other name, ours)`).
pub fn unknown(what: &str, word: &str, known: &[&str], aliases: &[(&str, &str)]) -> String {
    let mut msg = if let [only] = known {
        format!("unknown {what} `{word}`; the only {what} is `{only}`")
    } else {
        format!("unknown {what} `{word}`; expected one of {}", list(known))
    };
    let lower = word.to_lowercase();
    if let Some((_, ours)) = aliases.iter().find(|(other, _)| *other == lower) {
        msg.push_str(&format!("\n\nhelp: `{word}` is called `{ours}` here"));
    } else if let Some(k) = closest(&lower, known) {
        msg.push_str(&format!("\n\nhelp: did you mean `{k}`?"));
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(distance("rleu", "relu"), 2);
        assert_eq!(closest("rleu", &["relu", "tanh"]), Some("relu"));
        assert_eq!(closest("sigmoidd", &["sigmoid"]), Some("sigmoid"));
        assert_eq!(closest("conv", &["dense"]), None);
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` or `c`");
        assert_eq!(closest("relu", &["relu"]), Some("relu"));
    }

    #[test]
    fn the_article_follows_the_first_letter() {
        assert_eq!(article("adaptive_avg_pool2d"), "an");
        assert_eq!(article("dense"), "a");
        assert_eq!(article("tfl_avg_pool2d"), "a");
    }

    #[test]
    fn explains_unknown_names() {
        let m = unknown("activation", "ReLU", &["relu", "tanh"], &[]);
        assert!(m.starts_with("unknown activation `ReLU`; expected one of `relu` or `tanh`"));
        assert!(m.ends_with("did you mean `relu`?"), "{m}");
        let m = unknown("layer kind", "Linear", &["dense"], &[("linear", "dense")]);
        assert!(m.contains("the only layer kind is `dense`"), "{m}");
        assert!(m.ends_with("`Linear` is called `dense` here"), "{m}");
        let m = unknown("layer kind", "conv", &["dense"], &[]);
        assert!(!m.contains("help"), "{m}");
    }
}

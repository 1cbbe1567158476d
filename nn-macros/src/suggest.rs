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

/// "unknown X `word`; expected one of ...", with a hint when a known name is close.
pub fn unknown(what: &str, word: &str, known: &[&str]) -> String {
    let mut msg = if known.len() == 1 {
        format!("unknown {what} `{word}`; expected {}", list(known))
    } else {
        format!("unknown {what} `{word}`; expected one of {}", list(known))
    };
    if let Some(k) = closest(word, known) {
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
    }
}

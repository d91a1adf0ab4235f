//! Masking for logs: `***` plus the last four characters.

/// `***` followed by the last four characters of `value` (all of it is hidden when it has four or fewer).
pub fn mask(value: &str) -> String {
    let count = value.chars().count();
    if count <= 4 {
        return "***".to_owned();
    }
    let tail: String = value.chars().skip(count - 4).collect();
    format!("***{tail}")
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_keep_only_the_last_four() {
        assert_eq!(mask("4111111111111111"), "***1111");
        assert_eq!(mask("eyJhbGciOi.payload.sig_Abcd"), "***Abcd");
        assert_eq!(mask("1234"), "***");
        assert_eq!(mask(""), "***");
        assert_eq!(mask("ééééé"), "***éééé");
    }
}

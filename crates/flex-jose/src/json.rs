//! A small, strict, allocation-free JSON scanner (RFC 8259) for headers, claims and JWKs.
//!
//! It is a recursive descent over bytes with an explicit depth limit. It refuses everything serde_json would
//! tolerate by accident or by configuration:
//! - invalid UTF-8, unescaped control characters, bad escapes, escaped lone surrogates and escaped `U+0000`;
//! - duplicate member names **at any depth**, compared after unescaping (`"a"` and `"\u0061"` are the same name);
//! - more than one top-level value, a top-level value that is not an object, trailing bytes;
//! - nesting deeper than the limit (capped at [`MAX_DEPTH_CAP`] whatever the caller asks for).
//!
//! Duplicate detection keeps the member-name spans of every open object (the path from the top-level object to the
//! current one) on one stack: a fixed array of [`INLINE_MEMBERS`] entries, set up once per document. A path with
//! more names either spills to hash sets (claims, JWKs: they are parsed after the signature check or at key import)
//! or fails with [`JsonError::TooManyMembers`] (the header, on the zero-allocation path).
//!
//! Speed matters here (the claims are scanned on every verification): the first 40 bytes of a string body are
//! looked at eight at a time (one SWAR test for `"`, `\` and control characters; the input is already valid UTF-8,
//! so other bytes need no look), the rest of a longer one with `memchr2` and one control-character pass; a member
//! name's duplicate tag comes from the word its first test loaded; the names stack costs one initialisation per
//! document, not one per object; and the typed reader ([`de`]) reads a plain integer of up to 19 digits (a
//! NumericDate) in one pass, eight digits per word, where other numbers are scanned and then parsed.
//!
//! Callers see the top-level members as [`Member`]s: a name ([`JsonStr`], compared and read without allocating)
//! and a raw value span with its [`Kind`].

use std::borrow::Cow;
use std::collections::HashSet;

use crate::error::{JsonError, NumericDateError};

pub mod de;

/// The deepest nesting the scanner ever accepts, whatever the caller asks for (it bounds recursion).
pub const MAX_DEPTH_CAP: usize = 128;

/// How many member names (summed over the open objects) are tracked on the stack for duplicate detection.
pub const INLINE_MEMBERS: usize = 32;

/// Validates that `input` is exactly one strict RFC 8259 JSON object: UTF-8, no duplicate member names at any
/// depth (compared after unescaping), nesting at most `max_depth` (the top-level object is depth 1), no
/// trailing bytes. Objects with many members spill to the heap. The verifying paths scan with their own
/// [`Options`].
pub fn validate_object(input: &[u8], max_depth: usize) -> Result<(), JsonError> {
    let text = core::str::from_utf8(input).map_err(|_| JsonError::InvalidUtf8)?;
    scan_object(text, Options { max_depth, spill: true }, |_| {})
}

/// Scanner options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Deepest nesting accepted; the top-level object is depth 1.
    pub max_depth: usize,
    /// Whether objects with more than [`INLINE_MEMBERS`] members may spill to the heap.
    pub spill: bool,
}

/// The JSON type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// `"..."`
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

/// A JSON string as it appears between its quotes, already validated.
#[derive(Debug, Clone, Copy)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

/// A raw, validated JSON value.
#[derive(Debug, Clone, Copy)]
pub struct Value<'a> {
    raw: &'a str,
    kind: Kind,
    /// `false` when the value is known to have no escapes (the scanner read it); `true` when it may have some,
    /// and [`Value::as_str`] looks.
    maybe_escaped: bool,
}

/// A member of the top-level object.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// The member's name.
    pub name: JsonStr<'a>,
    /// The member's value.
    pub value: Value<'a>,
}

/// Scans `text` as one strict JSON object and calls `visit` for each top-level member, in order.
///
/// The whole document is validated; if it is invalid the error is returned even if `visit` already saw some
/// members, so callers must only keep what they collected when this returns `Ok`. A duplicate top-level member
/// is reported before `visit` sees the second occurrence.
pub fn scan_object<'a>(
    text: &'a str,
    options: Options,
    mut visit: impl FnMut(Member<'a>),
) -> Result<(), JsonError> {
    let max_depth = Scanner::document_depth(text, options)?;
    let mut scanner = Scanner::new(text, max_depth, options.spill);
    scanner.skip_ws();
    if scanner.peek() != Some(b'{') {
        return Err(scanner.not_an_object());
    }
    scanner.object(1, Some(&mut visit))?;
    scanner.skip_ws();
    if scanner.pos != scanner.bytes.len() {
        return Err(JsonError::Syntax);
    }
    Ok(())
}

impl<'a> JsonStr<'a> {
    /// The string if it has no escapes (then it is exactly the unescaped value), else `None`.
    #[inline]
    pub fn borrowed(&self) -> Option<&'a str> {
        if self.escaped { None } else { Some(self.raw) }
    }

    /// The unescaped characters.
    #[inline]
    pub fn chars(&self) -> Unescape<'a> {
        Unescape { rest: self.raw.as_bytes() }
    }

    /// Whether the unescaped string equals `s` (no allocation).
    #[inline]
    pub fn eq_str(&self, s: &str) -> bool {
        if self.escaped { self.chars().eq(s.chars()) } else { self.raw == s }
    }

    /// Whether two strings are equal after unescaping (no allocation).
    #[inline]
    pub fn same(&self, other: &JsonStr<'_>) -> bool {
        if !self.escaped && !other.escaped { self.raw == other.raw } else { self.chars().eq(other.chars()) }
    }

    /// The unescaped string if it is at most `buf.len()` bytes long, else `None`: the string itself when it has no
    /// escapes (no copy), else unescaped into `buf`.
    #[inline]
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str>
    where
        'a: 'b,
    {
        if self.escaped {
            self.unescape_chars(buf)
        } else {
            (self.raw.len() <= buf.len()).then_some(self.raw)
        }
    }

    /// [`Self::unescape_into`] for a string with escapes: its characters, one at a time.
    fn unescape_chars<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut len = 0usize;
        for c in self.chars() {
            let mut tmp = [0u8; 4];
            let encoded = c.encode_utf8(&mut tmp).as_bytes();
            let end = len.checked_add(encoded.len())?;
            buf.get_mut(len..end)?.copy_from_slice(encoded);
            len = end;
        }
        // Only whole UTF-8 encodings of chars were written, so this never fails.
        core::str::from_utf8(buf.get(..len)?).ok()
    }

    /// The unescaped string, borrowed when it has no escapes.
    pub fn to_cow(self) -> Cow<'a, str> {
        match self.borrowed() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(self.chars().collect()),
        }
    }
}

impl<'a> Value<'a> {
    /// The value's JSON type.
    #[inline]
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The value's exact source text.
    #[inline]
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// The string, if the value is a string.
    #[inline]
    pub fn as_str(&self) -> Option<JsonStr<'a>> {
        if self.kind != Kind::String {
            return None;
        }
        let inner = self.raw.get(1..self.raw.len().checked_sub(1)?)?;
        Some(JsonStr { raw: inner, escaped: self.maybe_escaped && inner.as_bytes().contains(&b'\\') })
    }

    /// A NumericDate (RFC 7519 §2) read strictly: an integer in `0..=i64::MAX`.
    ///
    /// Not a number: [`NumericDateError::WrongType`]. A negative number, a fraction, an exponent (even `1e3` or
    /// `1.0`) or a value above `i64::MAX`: [`NumericDateError::OutOfRange`].
    #[inline]
    pub fn numeric_date(&self) -> Result<i64, NumericDateError> {
        if self.kind != Kind::Number {
            return Err(NumericDateError::WrongType);
        }
        let mut acc: i64 = 0;
        for b in self.raw.bytes() {
            if !b.is_ascii_digit() {
                // '-', '.', 'e', 'E', '+': a validated number with any of them is not a non-negative integer.
                return Err(NumericDateError::OutOfRange);
            }
            acc = acc
                .checked_mul(10)
                .and_then(|a| a.checked_add(i64::from(b - b'0')))
                .ok_or(NumericDateError::OutOfRange)?;
        }
        Ok(acc)
    }

    /// Iterates the elements of an array value (validated already); `None` if it is not an array.
    #[inline]
    pub fn array_strings(&self) -> Option<ArrayStrings<'a>> {
        if self.kind != Kind::Array {
            return None;
        }
        let inner = self.raw.get(1..self.raw.len().checked_sub(1)?)?;
        Some(ArrayStrings { rest: inner })
    }
}

/// Iterates the elements of a validated JSON array, yielding `Some(JsonStr)` for string elements and `None`
/// for any other element.
#[derive(Debug)]
pub struct ArrayStrings<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ArrayStrings<'a> {
    type Item = Option<JsonStr<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut scanner = Scanner::new(self.rest, MAX_DEPTH_CAP, true);
        scanner.skip_ws();
        if scanner.peek() == Some(b',') {
            scanner.pos += 1;
            scanner.skip_ws();
        }
        if scanner.pos >= scanner.bytes.len() {
            self.rest = "";
            return None;
        }
        let start = scanner.pos;
        let kind = scanner.value(1).ok()?;
        let raw = self.rest.get(start..scanner.pos)?;
        self.rest = self.rest.get(scanner.pos..).unwrap_or_default();
        Some(Value { raw, kind, maybe_escaped: true }.as_str())
    }
}

/// Iterator over the unescaped characters of a validated JSON string body.
#[derive(Debug, Clone)]
pub struct Unescape<'a> {
    rest: &'a [u8],
}

impl Iterator for Unescape<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let &first = self.rest.first()?;
        // A char or an escape starting here; the body is valid UTF-8 and `first` starts a char.
        let (c, width) = if first == b'\\' {
            read_escape(self.rest).ok()?
        } else {
            let chunk = self.rest.get(..utf8_width(first))?;
            (core::str::from_utf8(chunk).ok()?.chars().next()?, chunk.len())
        };
        self.rest = self.rest.get(width..)?;
        Some(c)
    }
}

/// Reads the escape that starts `bytes` (at its backslash): the character it stands for (a surrogate pair is one)
/// and its length in bytes. An escaped `U+0000` (policy) or a lone surrogate is [`JsonError::InvalidString`], any
/// other malformed escape [`JsonError::Syntax`]. The scanner validates with it and [`Unescape`] decodes with it.
pub(crate) fn read_escape(bytes: &[u8]) -> Result<(char, usize), JsonError> {
    let hex_at = |at: usize| bytes.get(at..at + 4).and_then(hex4).ok_or(JsonError::Syntax);
    let c = match bytes.get(1) {
        Some(b'"') => '"',
        Some(b'\\') => '\\',
        Some(b'/') => '/',
        Some(b'b') => '\u{8}',
        Some(b'f') => '\u{c}',
        Some(b'n') => '\n',
        Some(b'r') => '\r',
        Some(b't') => '\t',
        Some(b'u') => {
            let unit = u32::from(hex_at(2)?);
            if !(0xD800..0xDC00).contains(&unit) {
                // Not a high surrogate: escaped NUL and a low surrogate without a high one fail here.
                let c = char::from_u32(unit).filter(|&c| c != '\0').ok_or(JsonError::InvalidString)?;
                return Ok((c, 6));
            }
            if bytes.get(6..8) != Some(b"\\u") {
                return Err(JsonError::InvalidString);
            }
            let low = u32::from(hex_at(8)?);
            if !(0xDC00..0xE000).contains(&low) {
                return Err(JsonError::InvalidString);
            }
            let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
            return c.map(|c| (c, 12)).ok_or(JsonError::InvalidString);
        }
        _ => return Err(JsonError::Syntax),
    };
    Ok((c, 2))
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

fn hex4(hex: &[u8]) -> Option<u16> {
    let mut v: u16 = 0;
    for &h in hex {
        let d = match h {
            b'0'..=b'9' => h - b'0',
            b'a'..=b'f' => h - b'a' + 10,
            b'A'..=b'F' => h - b'A' + 10,
            _ => return None,
        };
        v = (v << 4) | u16::from(d);
    }
    if hex.len() == 4 { Some(v) } else { None }
}

/// A member name's position in the input.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    end: u32,
    escaped: bool,
}

/// A cheap stand-in for a member name's value, compared before the names themselves: the length of the
/// unescaped name (saturated at 255) in the top byte and its first seven unescaped bytes below, zero-padded.
///
/// Equal names have equal tags, and for names of at most seven bytes the converse holds too: the tag spells the
/// whole name, so equal tags settle it without a look at the text. Names with escapes get the tag of their
/// unescaped value, so `"a"` and `"\u0061"` collide as they must.
fn name_tag(name: &JsonStr<'_>) -> u64 {
    let mut head = [0u8; 8];
    let len = match name.borrowed() {
        Some(plain) => {
            let bytes = plain.as_bytes();
            let n = bytes.len().min(7);
            if let (Some(dst), Some(src)) = (head.get_mut(..n), bytes.get(..n)) {
                dst.copy_from_slice(src);
            }
            bytes.len()
        }
        None => {
            let mut len = 0usize;
            for c in name.chars() {
                let mut utf8 = [0u8; 4];
                for &b in c.encode_utf8(&mut utf8).as_bytes() {
                    if let Some(slot) = head.get_mut(len).filter(|_| len < 7) {
                        *slot = b;
                    }
                    len += 1;
                }
            }
            len
        }
    };
    head[7] = u8::try_from(len).unwrap_or(u8::MAX);
    u64::from_le_bytes(head)
}

/// Whether a tag spells its whole name (seven bytes or fewer).
fn tag_is_exact(tag: u64) -> bool {
    tag >> 56 <= 7
}

/// The member names of every open object, innermost last: `len` names, the first [`INLINE_MEMBERS`] inline (a
/// [`name_tag`] and the bounds of the name's body each) and the rest, when spilling is allowed, as unescaped text
/// in one hash set per open object that spilled (keyed by the object's `base`), so that a large object is checked
/// in linear time whatever its names. An object remembers `len` when it opens and truncates back to it when it closes.
struct Names {
    tags: [u64; INLINE_MEMBERS],
    /// Start and end of each name's body. Not whole [`Span`]s: two `u32`s have no padding, so that a new
    /// scanner clears these with a few wide stores (a `Span` array took two stores per entry), and whether a name
    /// has escapes is found again in the rare case that needs it (see [`Scanner::inline_name`]).
    bounds: [(u32, u32); INLINE_MEMBERS],
    len: usize,
    spilled: Vec<(usize, HashSet<Box<str>>)>,
}

impl Names {
    fn new() -> Self {
        Self { tags: [0; INLINE_MEMBERS], bounds: [(0, 0); INLINE_MEMBERS], len: 0, spilled: Vec::new() }
    }

    /// Forgets the names of the object that remembered `base` when it opened (and of any object inside it).
    #[inline]
    fn truncate(&mut self, base: usize) {
        if !self.spilled.is_empty() {
            self.truncate_spilled(base);
        }
        self.len = self.len.min(base);
    }

    /// The spilled part of [`Self::truncate`]: the hash sets of the objects that close.
    #[inline(never)]
    fn truncate_spilled(&mut self, base: usize) {
        while self.spilled.last().is_some_and(|(object, _)| *object >= base) {
            self.spilled.pop();
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const QUOTES: u64 = ONES * b'"' as u64;
const BACKSLASHES: u64 = ONES * b'\\' as u64;
const SPACES: u64 = ONES * 0x20;

/// What the first eight bytes of a string body tell: see [`short_string`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Short {
    /// The closing quote is at this offset, with no backslash or control character before it.
    Ends(usize),
    /// All eight bytes are plain content (no quote, backslash or control character).
    Plain,
    /// A backslash or control character comes first: the full scan must look.
    Special,
}

/// Classifies a string body by its first eight bytes `w`.
///
/// The lowest flag of each [`below`] is exact, so the lowest flag of their union is too, and it is a quote
/// exactly when the quote flags hold it.
fn short_string(w: u64) -> Short {
    let quotes = below(w ^ QUOTES, ONES);
    let special = special_bytes(w);
    let first = special & special.wrapping_neg();
    if quotes & first != 0 {
        // trailing_zeros < 64, so the quotient is < 8.
        Short::Ends((first.trailing_zeros() / 8) as usize)
    } else if special == 0 {
        Short::Plain
    } else {
        Short::Special
    }
}

/// How many plain words [`Scanner::long_string`] scans itself before it hands a long string to `memchr2`.
const FUSED_WORDS: usize = 4;

/// The high bit of each quote, backslash and control character of `w`, plus possibly of higher bytes above the
/// lowest one: the lowest flag is always exact (see [`below`]), and no flag means none of the eight is special.
#[inline]
const fn special_bytes(w: u64) -> u64 {
    below(w ^ QUOTES, ONES) | below(w ^ BACKSLASHES, ONES) | below(w, SPACES)
}

/// The high bit of each byte of `w` that is below `limit` (a byte value below `0x80`, repeated in every lane
/// of `limits`), plus possibly of higher bytes above the lowest such byte.
///
/// For a word `w`, `(w - limits) & !w & 0x80..80` flags the bytes below the limit: a borrow only runs upwards,
/// from a byte that was below it, so the lowest flag always marks a real one, and no flag at all means none.
/// Bytes of `0x80` and above never flag (`!w` clears their high bit). With `limits = 0x01..01` applied to
/// `w ^ c` it flags the bytes equal to `c`.
const fn below(w: u64, limits: u64) -> u64 {
    w.wrapping_sub(limits) & !w & HIGHS
}

/// The value of eight ASCII digits read as a little-endian word (the first digit in the low byte), or `None` if
/// any of the eight bytes is not a digit.
///
/// A byte is a digit when its high nibble is 3 and adding 6 keeps it so (`0x3A`-`0x3F` carry into the high
/// nibble; no byte can carry into the next, as all are below `0x40` by then). The value is then built by
/// halving the number of lanes three times, each lane being the more significant digits times 10, 100 or 10^4
/// plus the lane above it (shifted down); products and sums only ever spill upwards, into the other half of
/// the wider lane, which the mask clears.
const fn eight_digits(w: u64) -> Option<u64> {
    const NIBBLES: u64 = ONES * 0xF0;
    const ZEROS: u64 = ONES * b'0' as u64;
    if w & NIBBLES != ZEROS || w.wrapping_add(ONES * 6) & NIBBLES != ZEROS {
        return None;
    }
    // No step overflows (every lane stays below its width: 99, 9,999, 99,999,999), so wrapping is never used;
    // it only spares the overflow checks of the release profile.
    let digits = w.wrapping_sub(ZEROS);
    let pairs = digits.wrapping_mul(10).wrapping_add(digits >> 8) & 0x00FF_00FF_00FF_00FF;
    let quads = pairs.wrapping_mul(100).wrapping_add(pairs >> 16) & 0x0000_FFFF_0000_FFFF;
    Some(quads.wrapping_mul(10_000).wrapping_add(quads >> 32) & 0xFFFF_FFFF)
}

/// The index of the first `"` or `\` in `bytes` at or after `offset`.
///
/// The first eight bytes are looked at with one SWAR step (most member names and short values end there), the
/// rest with `memchr2`, which uses SIMD where the CPU has it.
fn find_quote_or_backslash(bytes: &[u8], offset: usize) -> Option<usize> {
    let rest = bytes.get(offset..)?;
    if let Some(chunk) = rest.first_chunk::<8>() {
        let w = u64::from_le_bytes(*chunk);
        let flags = below(w ^ QUOTES, ONES) | below(w ^ BACKSLASHES, ONES);
        if flags != 0 {
            // trailing_zeros < 64, so the quotient is < 8.
            return Some(offset + (flags.trailing_zeros() / 8) as usize);
        }
        return memchr::memchr2(b'"', b'\\', rest.get(8..)?).map(|i| offset + 8 + i);
    }
    rest.iter().position(|&b| b == b'"' || b == b'\\').map(|i| offset + i)
}

/// Whether `bytes` has a control character (below `0x20`), eight bytes at a time with one test at the end.
fn has_control(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    // `below` without its final mask, which distributes over the OR and is applied once after the loop.
    let mut flags = 0u64;
    for chunk in &mut chunks {
        if let Some(chunk) = chunk.first_chunk::<8>() {
            let w = u64::from_le_bytes(*chunk);
            flags |= w.wrapping_sub(SPACES) & !w;
        }
    }
    flags & HIGHS != 0 || chunks.remainder().iter().any(|&b| b < 0x20)
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    spill: bool,
    names: Names,
}

impl<'a> Scanner<'a> {
    /// [`Self::document_depth`] and [`Self::new`] in one (the deserializer and `scan_object` build the scanner in
    /// place instead: it is 728 bytes, mostly the inline names stack, and moving it out of a `Result` is a copy).
    #[cfg(test)]
    fn document(text: &'a str, options: Options) -> Result<Self, JsonError> {
        let max_depth = Self::document_depth(text, options)?;
        Ok(Self::new(text, max_depth, options.spill))
    }

    /// The depth limit for a whole document: refuses documents of 4 GiB or more (spans are `u32`; no JOSE document
    /// is anywhere near that) and a depth limit of 0; clamps the limit to [`MAX_DEPTH_CAP`].
    #[inline]
    fn document_depth(text: &str, options: Options) -> Result<usize, JsonError> {
        if u32::try_from(text.len()).is_err() {
            return Err(JsonError::Syntax);
        }
        let max_depth = options.max_depth.min(MAX_DEPTH_CAP);
        if max_depth == 0 {
            return Err(JsonError::TooDeep);
        }
        Ok(max_depth)
    }

    /// A scanner at the start of `text`; `max_depth` from [`Self::document_depth`].
    #[inline]
    fn new(text: &'a str, max_depth: usize, spill: bool) -> Self {
        Self { text, bytes: text.as_bytes(), pos: 0, max_depth, spill, names: Names::new() }
    }

    /// For a document that does not start with `{`: whether it is valid JSON that is not an object, or garbage.
    fn not_an_object(&mut self) -> JsonError {
        match self.value(1) {
            Ok(_) => {
                self.skip_ws();
                if self.pos == self.bytes.len() { JsonError::NotAnObject } else { JsonError::Syntax }
            }
            Err(e) => e,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    fn skip_ws(&mut self) {
        // Every byte that may follow whitespace in valid JSON is above a space: one compare settles the usual
        // case of no whitespace at all (tokens are minified).
        while let Some(&b) = self.bytes.get(self.pos)
            && b <= b' '
            && matches!(b, b' ' | b'\t' | b'\n' | b'\r')
        {
            self.step(1);
        }
    }

    /// The `:` after a member name, and any whitespace before it: one test when there is none (minified).
    #[inline]
    fn colon(&mut self) -> Result<(), JsonError> {
        if self.peek() == Some(b':') {
            self.step(1);
            return Ok(());
        }
        self.skip_ws();
        self.eat(b':')
    }

    /// Steps over `n` bytes that were just looked at (at most eight, from a position inside the document). The
    /// addition is not overflow-checked: documents are under 4 GiB (`document_depth`), so the position cannot
    /// come near `usize::MAX`, and these steps sit on every token's path.
    #[inline(always)]
    fn step(&mut self, n: usize) {
        self.pos = self.pos.wrapping_add(n);
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.step(1);
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// A remembered name from its [`Names::bounds`]: a validated string body has escapes exactly when it has a
    /// backslash.
    fn inline_name(&self, (start, end): (u32, u32)) -> JsonStr<'a> {
        let raw = self.text.get(start as usize..end as usize).unwrap_or_default();
        JsonStr { raw, escaped: memchr::memchr(b'\\', raw.as_bytes()).is_some() }
    }

    #[inline]
    fn str_at(&self, span: Span) -> JsonStr<'a> {
        let raw = self.text.get(span.start as usize..span.end as usize).unwrap_or_default();
        JsonStr { raw, escaped: span.escaped }
    }

    /// Parses one value at nesting `depth` (the depth it would have if it is a container).
    fn value(&mut self, depth: usize) -> Result<Kind, JsonError> {
        match self.peek() {
            Some(b'{') => {
                self.object(depth, None)?;
                Ok(Kind::Object)
            }
            Some(b'[') => {
                self.array(depth)?;
                Ok(Kind::Array)
            }
            Some(b'"') => {
                self.seen_string()?;
                Ok(Kind::String)
            }
            Some(b't') => self.literal(b"true", Kind::Bool),
            Some(b'f') => self.literal(b"false", Kind::Bool),
            Some(b'n') => self.literal(b"null", Kind::Null),
            Some(b'-' | b'0'..=b'9') => {
                self.number()?;
                Ok(Kind::Number)
            }
            _ => Err(JsonError::Syntax),
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<Kind, JsonError> {
        let end = self.pos.checked_add(word.len()).ok_or(JsonError::Syntax)?;
        if self.bytes.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(kind)
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.step(1);
        }
        self.pos - start
    }

    /// A plain integer at the current position, for the typed reader: a digit `1`-`9` and at most 18 more, not
    /// followed by a fraction or an exponent. Its value, with the position moved past it; `None`, the position
    /// unchanged, for anything else (which [`Self::number`] reads). Most numbers in tokens are NumericDates:
    /// their digits are read once instead of twice.
    #[inline]
    fn plain_integer(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut value = 0u64;
        let mut at = start;
        // Eight digits at once when there are eight (a NumericDate has ten), then one at a time.
        if let Some(word) = self.bytes.get(start..).and_then(<[u8]>::first_chunk::<8>)
            && let Some(eight) = eight_digits(u64::from_le_bytes(*word))
        {
            value = eight;
            at = start.wrapping_add(8);
        }
        while let Some(&b) = self.bytes.get(at)
            && b.is_ascii_digit()
        {
            if at - start == 19 {
                return None;
            }
            // At most 19 digits: the value stays below 10^19 < u64::MAX, and `at` inside the document.
            value = value.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            at = at.wrapping_add(1);
        }
        // A leading zero (`0`, `01`) and the rest go to `number`, which knows its rules.
        if at == start
            || self.bytes.get(start) == Some(&b'0')
            || matches!(self.bytes.get(at), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        self.pos = at;
        Some(value)
    }

    fn number(&mut self) -> Result<(), JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.step(1);
        }
        let integer_digits = match self.peek() {
            Some(b'0') => {
                self.step(1);
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(JsonError::Syntax),
        };
        let mut plain_integer = true;
        if self.peek() == Some(b'.') {
            plain_integer = false;
            self.step(1);
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            plain_integer = false;
            self.step(1);
            if let Some(b'+' | b'-') = self.peek() {
                self.step(1);
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        // Range: serde_json refuses a number whose value does not fit an f64 (`1e400`, a 400-digit integer), so
        // the scanner must too, or a verified token could carry claims that no deserializer reads. Integers of up
        // to 19 digits always fit (and are the common case: NumericDates); anything else is parsed, and its
        // magnitude must be at most 1e308, a margin under f64::MAX that no rounding difference can cross.
        if !plain_integer || integer_digits > 19 {
            let raw = self.text.get(start..self.pos).ok_or(JsonError::Syntax)?;
            let value: f64 = raw.parse().map_err(|_| JsonError::Syntax)?;
            if value.abs() > 1e308 {
                return Err(JsonError::NumberOutOfRange);
            }
        }
        Ok(())
    }

    /// The eight bytes at `at` as a little-endian word, for the first step of [`Self::string`] and
    /// [`Self::name`]. Within eight bytes of the end of the document, the bytes past the end read as NUL: a control
    /// character, which ends the step as a string's own control character would, so that a short string at the
    /// end (a header's last value) needs no byte-by-byte reading. `None` only in documents under eight bytes.
    #[inline]
    fn word_at(&self, at: usize) -> Option<u64> {
        if let Some(chunk) = self.bytes.get(at..).and_then(<[u8]>::first_chunk::<8>) {
            return Some(u64::from_le_bytes(*chunk));
        }
        // The last eight bytes, of which the `missing` (1 to 8) before `at + 8` are past the end: shifted out.
        let last = u64::from_le_bytes(*self.bytes.last_chunk::<8>()?);
        let missing = at.checked_add(8)?.checked_sub(self.bytes.len())?;
        Some(last.checked_shr(u32::try_from(8 * missing).ok()?).unwrap_or(0))
    }

    /// Parses a string starting at its opening quote; returns the span of its body.
    ///
    /// Most member names and many values end within eight bytes without an escape: one SWAR step settles
    /// those. Anything else goes to [`Self::long_string`], told how much of the body is already known plain.
    #[inline]
    fn string(&mut self) -> Result<Span, JsonError> {
        self.eat(b'"')?;
        self.string_body()
    }

    /// [`Self::string`] for a caller that has just seen the opening quote at the current position (its test on
    /// the value's first byte): steps over it without looking again.
    #[inline]
    fn seen_string(&mut self) -> Result<Span, JsonError> {
        self.step(1);
        self.string_body()
    }

    /// [`Self::string`] from the first byte of the body on.
    #[inline(always)]
    fn string_body(&mut self) -> Result<Span, JsonError> {
        let start = self.pos;
        let mut plain_until = start;
        if let Some(word) = self.word_at(start) {
            match short_string(word) {
                Short::Ends(len) => {
                    // Every entry point refuses documents of 4 GiB or more: both offsets fit a u32 (and the
                    // closing quote's is inside the document, so its addition cannot wrap).
                    let end = (start as u32).wrapping_add(len as u32);
                    self.step(len % 8 + 1);
                    return Ok(Span { start: start as u32, end, escaped: false });
                }
                Short::Plain => plain_until = start + 8,
                Short::Special => {}
            }
        }
        self.long_string(start, plain_until)
    }

    /// Parses a member name starting at its opening quote: its span and its [`name_tag`], computed from the word
    /// [`Self::string`]'s first step loads anyway (a name with escapes, or in a document under eight bytes, gets
    /// the tag from its text).
    ///
    /// The short case is inlined into the object readers (it is most names); anything else goes to
    /// [`Self::long_name`], out of line, so that the registers only it needs are not saved for every name.
    #[inline(always)]
    fn name(&mut self) -> Result<(Span, u64), JsonError> {
        self.eat(b'"')?;
        let start = self.pos;
        let word = self.word_at(start);
        if let Some(w) = word
            && let Short::Ends(len) = short_string(w)
        {
            // len < 8: the whole name is the low `len` bytes of the word (`len % 8` says so to the compiler:
            // 8 * 7 = 56 < 64, no shift overflow to check).
            let len = len % 8;
            let tag = (w & !(u64::MAX << (8 * len))) | (len as u64) << 56;
            // Every entry point refuses documents of 4 GiB or more: both offsets fit a u32 (and the closing
            // quote's is inside the document, so its addition cannot wrap).
            let end = (start as u32).wrapping_add(len as u32);
            self.step(len + 1);
            return Ok((Span { start: start as u32, end, escaped: false }, tag));
        }
        self.long_name(start, word)
    }

    /// [`Self::name`] for a name that does not end, plain, within its first word (`word`, read at `start`).
    #[inline(never)]
    fn long_name(&mut self, start: usize, word: Option<u64>) -> Result<(Span, u64), JsonError> {
        let plain_until = match word.map(short_string) {
            Some(Short::Plain) => start + 8,
            _ => start,
        };
        let span = self.long_string(start, plain_until)?;
        let tag = match word {
            // No escapes: the first `min(len, 7)` bytes of the word (past the document's end it reads NUL, see
            // `word_at`; 8 * 7 = 56 < 64, the shift cannot overflow), then the saturated length.
            Some(word) if !span.escaped => {
                let len = span.end.wrapping_sub(span.start);
                let head = word & (1u64 << (8 * len.min(7))).wrapping_sub(1);
                head | u64::from(u8::try_from(len).unwrap_or(u8::MAX)) << 56
            }
            _ => name_tag(&self.str_at(span)),
        };
        Ok((span, tag))
    }

    /// The rest of [`Self::string`]: the body starts at `start`, and `start..plain_until` has no quote, backslash
    /// or control character.
    ///
    /// Two phases. First a fused SWAR scan, one word at a time, that stops at the lowest quote, backslash or
    /// control character of each word (the lowest flag of [`special_bytes`] is exact): it settles the medium
    /// strings (URLs, field paths, `kid`s) in a few word tests. After [`FUSED_WORDS`] plain words the string is
    /// long (a modulus, an encrypted blob), and `memchr2` jumps between quotes and backslashes while one pass of
    /// [`has_control`] over the rest looks for control characters.
    #[inline(never)]
    fn long_string(&mut self, start: usize, plain_until: usize) -> Result<Span, JsonError> {
        self.pos = plain_until;
        let mut escaped = false;
        let mut plain_words = 0;
        while plain_words < FUSED_WORDS {
            let Some(chunk) = self.bytes.get(self.pos..).and_then(<[u8]>::first_chunk::<8>) else {
                // Under eight bytes left in the document: byte by byte.
                return self.string_tail(start, escaped);
            };
            let special = special_bytes(u64::from_le_bytes(*chunk));
            if special == 0 {
                self.step(8);
                plain_words += 1;
                continue;
            }
            // trailing_zeros < 64, so the quotient is < 8.
            self.step((special.trailing_zeros() / 8) as usize);
            match self.peek() {
                Some(b'"') => return Ok(self.string_end(start, escaped)),
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                // The lowest flag is exact: a control character.
                _ => return Err(JsonError::Syntax),
            }
        }
        // The content since the last escape (or the end of the fused phase) not yet checked for control
        // characters; it is checked before each escape and at the end, so that the first error is the one
        // reported, as in the fused phase.
        let mut unchecked = self.pos;
        loop {
            // Jump to the next quote or backslash; everything before it is string content (the text is valid
            // UTF-8 already, so multi-byte characters need no look; control characters are looked for here).
            let next = find_quote_or_backslash(self.bytes, self.pos);
            let run_end = next.unwrap_or(self.bytes.len());
            if has_control(self.bytes.get(unchecked..run_end).unwrap_or_default()) {
                return Err(JsonError::Syntax);
            }
            self.pos = next.ok_or(JsonError::Syntax)?;
            match self.peek() {
                Some(b'"') => return Ok(self.string_end(start, escaped)),
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                    unchecked = self.pos;
                }
                // `find_quote_or_backslash` stops only at those two bytes.
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// [`Self::long_string`] within eight bytes of the end of the document, one byte at a time.
    fn string_tail(&mut self, start: usize, mut escaped: bool) -> Result<Span, JsonError> {
        loop {
            match self.peek() {
                Some(b'"') => return Ok(self.string_end(start, escaped)),
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(b) if b >= 0x20 => self.step(1),
                // A control character, or the document ends inside the string.
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// At the closing quote of a string whose body starts at `start`: steps over it and returns the body's span.
    #[inline]
    fn string_end(&mut self, start: usize, escaped: bool) -> Span {
        let end = self.pos;
        self.step(1);
        // Every entry point refuses documents of 4 GiB or more, so both offsets fit a u32.
        Span { start: start as u32, end: end as u32, escaped }
    }

    /// Validates the escape at the current position (a backslash) and steps over it (see [`read_escape`]). Out of
    /// line: inlined, it makes [`Self::long_string`]'s loop slower for every string, escapes or not.
    #[inline(never)]
    fn escape(&mut self) -> Result<(), JsonError> {
        let (_, len) = read_escape(self.bytes.get(self.pos..).unwrap_or_default())?;
        self.pos += len;
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > self.max_depth {
            return Err(JsonError::TooDeep);
        }
        self.eat(b'[')?;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.step(1);
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(depth + 1)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.step(1),
                Some(b']') => {
                    self.step(1);
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    fn object(
        &mut self,
        depth: usize,
        mut visit: Option<&mut dyn FnMut(Member<'a>)>,
    ) -> Result<(), JsonError> {
        if depth > self.max_depth {
            return Err(JsonError::TooDeep);
        }
        self.eat(b'{')?;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.step(1);
            return Ok(());
        }
        let base = self.names.len;
        loop {
            self.skip_ws();
            let (name_span, tag) = self.name()?;
            self.remember(base, name_span, tag)?;
            self.colon()?;
            self.skip_ws();
            let value_start = self.pos;
            // A string is read here, not through `value`, to keep whether it has escapes for the visitor.
            let (kind, maybe_escaped) = if self.peek() == Some(b'"') {
                (Kind::String, self.seen_string()?.escaped)
            } else {
                (self.value(depth + 1)?, false)
            };
            if let Some(visit) = visit.as_deref_mut() {
                let raw = self.text.get(value_start..self.pos).ok_or(JsonError::Syntax)?;
                visit(Member { name: self.str_at(name_span), value: Value { raw, kind, maybe_escaped } });
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.step(1),
                Some(b'}') => {
                    self.step(1);
                    self.names.truncate(base);
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    /// Records a member name (its span and [`name_tag`]) of the object whose names start at `base`, refusing a
    /// duplicate.
    ///
    /// Tags first (one integer compare per earlier name); only on an equal tag of a name longer than seven bytes
    /// are the names themselves compared, after unescaping.
    #[inline]
    fn remember(&mut self, base: usize, span: Span, tag: u64) -> Result<(), JsonError> {
        let len = self.names.len;
        // The common case: nothing spilled, room inline, and a tag no earlier name of this object has.
        if len < INLINE_MEMBERS
            && !self.names.tags.get(base..len).unwrap_or_default().contains(&tag)
            && let (Some(t), Some(b)) = (self.names.tags.get_mut(len), self.names.bounds.get_mut(len))
        {
            (*t, *b) = (tag, (span.start, span.end));
            self.names.len = len + 1;
            return Ok(());
        }
        self.remember_slow(base, span, tag)
    }

    /// [`Self::remember`] with an equal tag among the earlier inline names, or no room inline.
    #[inline(never)]
    fn remember_slow(&mut self, base: usize, span: Span, tag: u64) -> Result<(), JsonError> {
        let len = self.names.len;
        let inline_end = len.min(INLINE_MEMBERS);
        let from = base.min(inline_end);
        let tags = self.names.tags.get(from..inline_end).unwrap_or_default();
        if tags.contains(&tag) {
            if tag_is_exact(tag) {
                return Err(JsonError::DuplicateMember);
            }
            let name = self.str_at(span);
            let bounds = self.names.bounds.get(from..inline_end).unwrap_or_default();
            if tags.iter().zip(bounds).any(|(&t, &b)| t == tag && self.inline_name(b).same(&name)) {
                return Err(JsonError::DuplicateMember);
            }
        }
        if let (Some(t), Some(b)) = (self.names.tags.get_mut(len), self.names.bounds.get_mut(len)) {
            (*t, *b) = (tag, (span.start, span.end));
        } else if self.spill {
            // Beyond the inline names: this object's spilled names, compared as unescaped text by hashing.
            let name: Box<str> = self.str_at(span).to_cow().into();
            let fresh = match self.names.spilled.last_mut() {
                Some((object, names)) if *object == base => names.insert(name),
                _ => {
                    self.names.spilled.push((base, HashSet::from([name])));
                    true
                }
            };
            if !fresh {
                return Err(JsonError::DuplicateMember);
            }
        } else {
            return Err(JsonError::TooManyMembers);
        }
        self.names.len = len + 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Result<(), JsonError> {
        validate_object(s.as_bytes(), 32)
    }

    /// An object of `n` members `"name000"`, `"name001"`, ... with `extra` members after them.
    fn object(n: usize, extra: &[&str]) -> String {
        let mut members: Vec<String> = (0..n).map(|i| format!("\"member-name-{i:04}\":{i}")).collect();
        members.extend(extra.iter().map(|m| (*m).to_owned()));
        format!("{{{}}}", members.join(","))
    }

    #[test]
    fn duplicates_beyond_the_inline_names_are_found_by_their_unescaped_text() {
        // Past INLINE_MEMBERS the names are kept in a hash set: a repeat of a spilled or an inline name, plainly or
        // with an escape, is still found; distinct names sharing a long prefix are not confused.
        assert_eq!(v(&object(200, &[])), Ok(()));
        assert_eq!(v(&object(200, &["\"member-name-0150\":1"])), Err(JsonError::DuplicateMember));
        assert_eq!(v(&object(200, &["\"member-name-0003\":1"])), Err(JsonError::DuplicateMember));
        assert_eq!(v(&object(200, &["\"\\u006dember-name-0150\":1"])), Err(JsonError::DuplicateMember));
        assert_eq!(v(&object(200, &["\"member-name-0150 \":1"])), Ok(()));
        // A spilling object inside a spilling object: each has its own names.
        let inner = object(50, &[]);
        let nested = object(40, &[&format!("\"inner\":{inner}"), "\"member-name-0045\":1"]);
        assert_eq!(v(&nested), Ok(()));
        let nested = object(40, &[&format!("\"inner\":{inner}"), "\"member-name-0039\":1"]);
        assert_eq!(v(&nested), Err(JsonError::DuplicateMember));
        // Without spilling, the names of the open objects are capped.
        let text = object(40, &[]);
        let capped = scan_object(&text, Options { max_depth: 8, spill: false }, |_| {});
        assert_eq!(capped, Err(JsonError::TooManyMembers));
    }

    #[test]
    fn accepts_strict_objects() {
        for ok in [
            "{}",
            " {\"a\":1} ",
            "{\"a\":[1,2,{\"b\":null}],\"c\":\"x\\n\\u00e9\\ud83d\\ude00\",\"d\":-0.5e+10,\"e\":true,\"f\":false}",
            "{\"a\":{\"a\":{\"a\":1}}}",
            "{\"\":1,\"a\":\"\u{e9}\u{1F600}\"}",
            "\r\n\t{\"x\" : [ ] , \"y\" : { } }\n",
        ] {
            assert_eq!(v(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{,}",
            "{\"a\":1}x",
            "{\"a\":1}{}",
            "{'a':1}",
            "{a:1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":1e}",
            "{\"a\":+1}",
            "{\"a\":-}",
            "{\"a\":NaN}",
            "{\"a\":tru}",
            "{\"a\":[1,]}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"nl\nhere\"}",
            "{\"a\":1}\u{0}",
            "\u{feff}{}",
            "{\"a\":1}\u{a0}",
        ] {
            assert_eq!(v(bad), Err(JsonError::Syntax), "{bad:?}");
        }
        for not_obj in ["[]", "1", "\"s\"", "null", " true "] {
            assert_eq!(v(not_obj), Err(JsonError::NotAnObject), "{not_obj}");
        }
    }

    #[test]
    fn rejects_invalid_utf8_and_strings() {
        assert_eq!(validate_object(b"{\"a\":\"\xff\"}", 8), Err(JsonError::InvalidUtf8));
        assert_eq!(validate_object(b"{\"a\":\"\xed\xa0\x80\"}", 8), Err(JsonError::InvalidUtf8));
        for bad in [
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00\"}",
            "{\"a\":\"\\ud800\\u0041\"}",
            "{\"a\":\"\\ud800x\"}",
            "{\"a\":\"\\u0000\"}",
            "{\"\\u0000\":1}",
        ] {
            assert_eq!(v(bad), Err(JsonError::InvalidString), "{bad}");
        }
    }

    #[test]
    fn duplicates_are_found_after_unescaping_at_any_depth() {
        for dup in [
            "{\"a\":1,\"a\":2}",
            "{\"alg\":\"RS256\",\"alg\":\"none\"}",
            "{\"a\":1,\"\\u0061\":2}",
            "{\"\\u0061\":1,\"a\":2}",
            "{\"\\/\":1,\"/\":2}",
            "{\"\\ud83d\\ude00\":1,\"\u{1F600}\":2}",
            "{\"x\":{\"b\":1,\"b\":1}}",
            "{\"x\":[{\"c\":{\"d\":1,\"d\":2}}]}",
        ] {
            assert_eq!(v(dup), Err(JsonError::DuplicateMember), "{dup}");
        }
        assert_eq!(v("{\"a\":{\"a\":1},\"b\":{\"a\":1}}"), Ok(()));
        // Tags: seven bytes and the length spell a short name; longer names with one tag are compared whole.
        for dup in [
            "{\"abcdefg\":1,\"abcdef\\u0067\":2}",
            "{\"abcdefgh\":1,\"abcdefg\\u0068\":2}",
            "{\"\\u00e9\\u00e9\\u00e9\\u00e9\":1,\"\u{e9}\u{e9}\u{e9}\u{e9}\":2}",
            "{\"requiredFields\":1,\"x\":0,\"requiredFields\":2}",
        ] {
            assert_eq!(v(dup), Err(JsonError::DuplicateMember), "{dup}");
        }
        for distinct in [
            "{\"abcdefgh\":1,\"abcdefgi\":2}",
            "{\"abcdefg\":1,\"abcdefgh\":2}",
            "{\"abcdefghi\":1,\"abcdefg\\u0068j\":2}",
            "{\"\u{e9}\u{e9}\u{e9}\u{e9}a\":1,\"\u{e9}\u{e9}\u{e9}\u{e9}b\":2}",
        ] {
            assert_eq!(v(distinct), Ok(()), "{distinct}");
        }
        assert_eq!(v("{\"a\":1,\"A\":2,\"a \":3}"), Ok(()));
    }

    #[test]
    fn numbers_out_of_f64_range_are_refused() {
        // Fuzz finding (capture_context_claims): the scanner accepted `1614792267e777778`, which serde_json
        // refuses as out of range, so a verified payload could fail to deserialize.
        for bad in ["1e309", "-1e309", "1614792267e777778", "1e400", "0.1e310", "1.7976931348623157e308"] {
            assert_eq!(v(&format!("{{\"a\":{bad}}}")), Err(JsonError::NumberOutOfRange), "{bad}");
        }
        let huge = format!("{{\"a\":{}}}", "9".repeat(400));
        assert_eq!(v(&huge), Err(JsonError::NumberOutOfRange));
        for ok in [
            "1e308",
            "1e307",
            "-9.99e307",
            "1e-400",
            "0e999999",
            "12345678901234567890123",
            "1614792268",
            "-0.0",
        ] {
            assert_eq!(v(&format!("{{\"a\":{ok}}}")), Ok(()), "{ok}");
        }
    }

    #[test]
    fn depth_limit() {
        assert_eq!(validate_object(b"{\"a\":{\"b\":1}}", 2), Ok(()));
        assert_eq!(validate_object(b"{\"a\":{\"b\":{}}}", 2), Err(JsonError::TooDeep));
        assert_eq!(validate_object(b"{\"a\":[[1]]}", 2), Err(JsonError::TooDeep));
        assert_eq!(validate_object(b"{}", 0), Err(JsonError::TooDeep));
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(validate_object(deep.as_bytes(), usize::MAX), Err(JsonError::TooDeep));
    }

    #[test]
    fn many_members_spill_or_fail() {
        let mut doc = String::from("{");
        for i in 0..200 {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str(&format!("\"m{i}\":{i}"));
        }
        doc.push('}');
        assert_eq!(validate_object(doc.as_bytes(), 4), Ok(()));
        assert_eq!(
            scan_object(&doc, Options { max_depth: 4, spill: false }, |_| {}),
            Err(JsonError::TooManyMembers)
        );
        let dup = doc.replace("}", ",\"m150\":0}");
        assert_eq!(validate_object(dup.as_bytes(), 4), Err(JsonError::DuplicateMember));
        let mut exact = String::from("{");
        for i in 0..INLINE_MEMBERS {
            exact.push_str(&format!("{}\"m{i}\":0", if i > 0 { "," } else { "" }));
        }
        exact.push('}');
        assert_eq!(scan_object(&exact, Options { max_depth: 4, spill: false }, |_| {}), Ok(()));
    }

    #[test]
    fn members_strings_and_numeric_dates() {
        let doc = "{\"s\":\"a\\u003db\",\"p\":\"plain\",\"n\":1618206379,\"f\":1.5,\"neg\":-1,\"e\":1e3,\
                   \"big\":9223372036854775808,\"max\":9223372036854775807,\"str\":\"123\",\"o\":{\"x\":[1]},\
                   \"arr\":[\"a\",1,\"\\u0062\"]}";
        let mut members = Vec::new();
        scan_object(doc, Options { max_depth: 8, spill: false }, |m| members.push(m)).unwrap();
        let get = |name: &str| members.iter().find(|m| m.name.eq_str(name)).unwrap().value;
        let s = get("s").as_str().unwrap();
        assert_eq!(s.borrowed(), None);
        assert_eq!(s.to_cow(), "a=b");
        assert!(s.eq_str("a=b"));
        let mut buf = [0u8; 3];
        assert_eq!(s.unescape_into(&mut buf), Some("a=b"));
        let mut small = [0u8; 2];
        assert_eq!(s.unescape_into(&mut small), None);
        // Without escapes: the string itself, under the same length rule.
        let plain = get("p").as_str().unwrap();
        assert_eq!(plain.unescape_into(&mut [0u8; 5]), Some("plain"));
        assert_eq!(plain.unescape_into(&mut [0u8; 4]), None);
        assert!(matches!(get("p").as_str().unwrap().to_cow(), Cow::Borrowed("plain")));
        assert_eq!(get("n").numeric_date(), Ok(1_618_206_379));
        assert_eq!(get("max").numeric_date(), Ok(i64::MAX));
        for bad in ["f", "neg", "e", "big"] {
            assert_eq!(get(bad).numeric_date(), Err(NumericDateError::OutOfRange), "{bad}");
        }
        for wrong in ["str", "o", "arr", "s"] {
            assert_eq!(get(wrong).numeric_date(), Err(NumericDateError::WrongType), "{wrong}");
        }
        assert_eq!(get("o").kind(), Kind::Object);
        assert_eq!(get("o").raw(), "{\"x\":[1]}");
        let elems: Vec<Option<String>> =
            get("arr").array_strings().unwrap().map(|e| e.map(|s| s.to_cow().into_owned())).collect();
        assert_eq!(elems, vec![Some("a".into()), None, Some("b".into())]);
        assert!(get("n").array_strings().is_none());
    }

    /// The references for the SWAR and SIMD searches, one byte at a time.
    /// A byte-at-a-time reading of the string that opens `text`: its body's span, whether it has escapes, and
    /// the position after its closing quote; or the error `Scanner::string` must give.
    fn string_naive(text: &[u8]) -> Result<(u32, u32, bool, usize), JsonError> {
        let hex = |at: usize| -> Result<u16, JsonError> {
            let digits = text.get(at..at + 4).ok_or(JsonError::Syntax)?;
            if !digits.iter().all(u8::is_ascii_hexdigit) {
                return Err(JsonError::Syntax);
            }
            Ok(u16::from_str_radix(core::str::from_utf8(digits).unwrap(), 16).unwrap())
        };
        let mut pos = 1;
        let mut escaped = false;
        loop {
            match text.get(pos).copied() {
                None => return Err(JsonError::Syntax),
                Some(b'"') => return Ok((1, pos as u32, escaped, pos + 1)),
                Some(b'\\') => {
                    escaped = true;
                    match text.get(pos + 1).copied() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => pos += 2,
                        Some(b'u') => {
                            let unit = hex(pos + 2)?;
                            pos += 6;
                            match unit {
                                0 | 0xDC00..=0xDFFF => return Err(JsonError::InvalidString),
                                0xD800..=0xDBFF => {
                                    if text.get(pos..pos + 2) != Some(b"\\u") {
                                        return Err(JsonError::InvalidString);
                                    }
                                    let low = hex(pos + 2)?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return Err(JsonError::InvalidString);
                                    }
                                    pos += 6;
                                }
                                _ => {}
                            }
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
                Some(0x00..=0x1F) => return Err(JsonError::Syntax),
                Some(_) => pos += 1,
            }
        }
    }

    fn find_quote_or_backslash_naive(bytes: &[u8], offset: usize) -> Option<usize> {
        (offset..bytes.len()).find(|&i| matches!(bytes[i], b'"' | b'\\'))
    }

    fn has_control_naive(bytes: &[u8]) -> bool {
        bytes.iter().any(|&b| b < 0x20)
    }

    #[test]
    fn eight_digits_reads_exactly_the_words_of_eight_digits() {
        for n in [0u64, 1, 7, 10, 99_999_999, 12_345_678, 16_147_922, 90_000_001, 10_000_000] {
            let text = format!("{n:08}");
            let word = u64::from_le_bytes(text.as_bytes().try_into().unwrap());
            assert_eq!(eight_digits(word), Some(n), "{text}");
        }
        let digits = u64::from_le_bytes(*b"12345678");
        for lane in 0..8 {
            for b in (0..=255u8).filter(|b| !b.is_ascii_digit()) {
                let word = digits & !(0xFF << (8 * lane)) | u64::from(b) << (8 * lane);
                assert_eq!(eight_digits(word), None, "{word:#x}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn eight_digits_agrees_with_parse(n in 0u64..100_000_000) {
            let text = format!("{n:08}");
            let word = u64::from_le_bytes(text.as_bytes().try_into().unwrap());
            proptest::prop_assert_eq!(eight_digits(word), Some(n));
        }
    }

    #[test]
    fn search_examples() {
        assert_eq!(find_quote_or_backslash(b"", 0), None);
        assert_eq!(find_quote_or_backslash(b"abc", 0), None);
        assert_eq!(find_quote_or_backslash(b"abcdefgh", 0), None);
        assert_eq!(find_quote_or_backslash(b"abcdefgh\"", 0), Some(8));
        assert_eq!(find_quote_or_backslash(b"\"", 0), Some(0));
        assert_eq!(find_quote_or_backslash(b"ab\\cdefgh\"", 0), Some(2));
        assert_eq!(find_quote_or_backslash(b"abcdefg\x1f", 0), None);
        assert_eq!(find_quote_or_backslash("\u{e9}\u{1F600}\u{7f}xxxxxxx\u{ff}\"".as_bytes(), 0), Some(16));
        assert_eq!(find_quote_or_backslash(b"\"abc\"", 1), Some(4));
        assert_eq!(find_quote_or_backslash(b"abc", 7), None);
        assert!(has_control(b"abcdefg\x1f"));
        assert!(has_control(b"\x00"));
        assert!(has_control(b"abcdefgh\tabcdefgh"));
        assert!(!has_control(b""));
        assert!(!has_control("\u{e9}\u{a0}\u{ff} !~\u{7f}\u{80}abcdefgh".as_bytes()));
    }

    proptest::proptest! {
        /// The searches agree with byte-at-a-time ones on any bytes (all values, any offset), which covers a
        /// match in every lane, several matches in one word, borrows, the SIMD part and the unaligned tail.
        #[test]
        fn searches_agree_with_naive(
            bytes in proptest::collection::vec(proptest::sample::select(vec![
                b'"', b'\\', 0x00, 0x1F, 0x20, 0x21, 0x5B, 0x5D, 0x7F, 0x80, 0xA0, 0xFF, b'a', b'a', b'a', b'a',
            ]), 0..80),
            offset in 0usize..84,
        ) {
            proptest::prop_assert_eq!(
                find_quote_or_backslash(&bytes, offset),
                find_quote_or_backslash_naive(&bytes, offset)
            );
            proptest::prop_assert_eq!(has_control(&bytes), has_control_naive(&bytes));
        }

        /// `string` (the eight-byte step, the fused word scan, the `memchr2` phase and the byte-wise tail)
        /// decides exactly what a byte-at-a-time reference decides: same span, same end position, same error, on
        /// bodies dense in quotes, escapes, control and multi-byte characters, short and long, with and without
        /// bytes after them.
        #[test]
        fn string_agrees_with_a_byte_at_a_time_reference(
            body in proptest::collection::vec(proptest::sample::select(vec![
                "\"", "\\", "\\u", "\\n", "\u{0}", "\u{1f}", " ", "a", "a", "a", "0", "d8", "dc", "D", "f",
                "\u{e9}", "\u{20ac}", "\u{1f600}", "\u{7f}", "abcdefgh", "abcdefghijklmnop", "\\u00e9", "\\ud83d\\ude00",
            ]), 0..90),
            after in proptest::sample::select(vec!["", "}", ",\"abcdefgh\":1}"]),
        ) {
            let text = format!("\"{}{after}", body.concat());
            let opts = Options { max_depth: 4, spill: true };
            let mut scanner = Scanner::document(&text, opts).unwrap();
            let got = scanner.string().map(|s| (s.start, s.end, s.escaped, scanner.pos));
            proptest::prop_assert_eq!(got, string_naive(text.as_bytes()));
        }

        /// `name` reads a name exactly as `string` does, and its tag is the name's `name_tag`, short or long,
        /// with or without escapes, near the end of the document or not.
        #[test]
        fn name_tags_are_name_tag(
            body in proptest::collection::vec(proptest::sample::select(vec![
                "a", "b", "\u{e9}", "\\u0061", "\\n", "abcdefg", "abcdefgh", "\u{1f600}", "\u{7f}", "\"",
            ]), 0..12),
            after in proptest::sample::select(vec!["", ":1}", ":1,\"abcdefgh\":2}"]),
        ) {
            let text = format!("\"{}{after}", body.concat());
            let opts = Options { max_depth: 4, spill: true };
            let mut by_name = Scanner::document(&text, opts).unwrap();
            let mut by_string = Scanner::document(&text, opts).unwrap();
            let got = by_name.name().map(|(s, tag)| (s.start, s.end, s.escaped, tag, by_name.pos));
            let want = by_string
                .string()
                .map(|s| (s.start, s.end, s.escaped, name_tag(&by_string.str_at(s)), by_string.pos));
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn short_string_is_exact(bytes in proptest::collection::vec(proptest::num::u8::ANY, 8..=8)) {
            let w = u64::from_le_bytes(bytes.as_slice().try_into().unwrap());
            let special = |b: u8| b == b'"' || b == b'\\' || b < 0x20;
            let want = match bytes.iter().position(|&b| special(b)) {
                None => Short::Plain,
                Some(i) if bytes[i] == b'"' => Short::Ends(i),
                Some(_) => Short::Special,
            };
            proptest::prop_assert_eq!(short_string(w), want);
        }

        #[test]
        fn searches_agree_on_any_byte(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            proptest::prop_assert_eq!(find_quote_or_backslash(&bytes, 0), find_quote_or_backslash_naive(&bytes, 0));
            proptest::prop_assert_eq!(has_control(&bytes), has_control_naive(&bytes));
        }
    }

    #[test]
    fn nested_objects_keep_their_own_names() {
        // Names of a closed object do not count against its siblings or its parent.
        assert_eq!(v("{\"a\":{\"b\":1,\"c\":2},\"b\":{\"b\":1},\"c\":[{\"a\":1},{\"a\":2}]}"), Ok(()));
        assert_eq!(v("{\"a\":{\"b\":{\"c\":1}},\"a\":1}"), Err(JsonError::DuplicateMember));
        assert_eq!(v("{\"a\":{\"b\":1,\"c\":{\"d\":1},\"b\":2}}"), Err(JsonError::DuplicateMember));
    }

    #[test]
    fn duplicate_reported_before_second_visit() {
        let mut seen = 0;
        let r = scan_object("{\"a\":1,\"a\":2}", Options { max_depth: 4, spill: false }, |_| seen += 1);
        assert_eq!(r, Err(JsonError::DuplicateMember));
        assert_eq!(seen, 1);
    }
}

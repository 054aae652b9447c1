//! Load files: the Concordance DAT and Opticon OPT files that travel with every US production.
//!
//! A production is a volume of page images, native files and extracted text. The receiving party's
//! review tool (Relativity, Everlaw, Nuix, ...) does not look at that folder directly: it reads two
//! index files and trusts them completely.
//!
//! * The **DAT** holds one record per document: its Bates range, family range, custodian, dates,
//!   hashes and the paths to its text and native file. Its delimiters are chosen so that they never
//!   occur in ordinary text: every value is wrapped in the qualifier þ (U+00FE) and values are
//!   separated by U+0014 (a control character that Concordance shows as ¶). Newlines inside a
//!   value are written as ® (U+00AE), because a raw line break would end the record for most
//!   loaders. No loader knows an escape for the qualifier, so a þ inside a value would end it early
//!   and shift every later column; the writer therefore turns it into the capital thorn Þ (U+00DE),
//!   which keeps the letter readable and the record intact.
//! * We write DATs as UTF-8 *with* a byte-order mark because Relativity decides a DAT's encoding
//!   from its BOM alone: without one it reads the file as Windows-1252 and mangles every non-Latin
//!   name and subject line.
//! * Everlaw places images by BEGBATES plus either ENDBATES or a page count, so a DAT meant for it
//!   must carry BEGBATES and at least one of the other two.
//! * The **OPT** (Opticon) file lists one line per page image and marks where each document starts
//!   (`DOCBREAK` = `Y`); loaders use it to attach images to the DAT's documents by Bates number.
//!
//! Reading is deliberately more forgiving than writing: the other side's productions come from
//! many tools and decades of habits (Windows-1252 without a BOM, pipes or carets instead of þ,
//! comma CSV, no header row, raw line breaks inside values). The reader never gives up on a
//! record it cannot fully make sense of; it keeps it and reports the physical line, so a
//! litigation-support person can find and fix the row.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// The Concordance text qualifier that wraps every value.
pub const QUALIFIER: char = '\u{FE}';
/// The Concordance field separator (ASCII 20, shown as ¶ in Windows-1252 viewers).
pub const SEPARATOR: char = '\u{14}';
/// Concordance's stand-in for a line break inside a value.
pub const NEWLINE_MARK: char = '\u{AE}';
/// What a þ inside a value is written as, since loaders have no escape for the qualifier.
pub const QUALIFIER_STAND_IN: char = '\u{DE}';
/// The most Bates numbers [`bates_range`] will list: a bigger range is almost always a typo in the
/// first or last number, and listing it would take gigabytes.
pub const MAX_BATES_RANGE: u64 = 1_000_000;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a load file cannot be written or read, in terms a litigation-support person can act on.
#[derive(Debug, thiserror::Error)]
pub enum LoadFileError {
    /// Nothing but blank lines (or only a byte-order mark): probably a failed export.
    #[error("the load file is empty: it holds no header row and no records")]
    Empty,
    /// An OPT line that cannot be used to place a page image.
    #[error("line {line} of the OPT image load file cannot be read: {detail}")]
    OptLine { line: usize, detail: String },
    /// Two Bates numbers that do not describe one range.
    #[error("the Bates range {first} to {last} cannot be used: {detail}")]
    BatesRange { first: String, last: String, detail: String },
    /// A Bates range too long to be anything but a typo.
    #[error("the Bates range {first} to {last} holds {count} numbers; more than {limit} in one range is refused, so check the first and last numbers")]
    TooLarge { first: String, last: String, count: u64, limit: u64 },
}

// ---------------------------------------------------------------------------------------------
// Text encodings
// ---------------------------------------------------------------------------------------------

/// How a load file's bytes were turned into text, reported so a caller can warn when a file had
/// to be guessed as Windows-1252 (its accented names may then be wrong).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 starting with EF BB BF, what we write and what Relativity wants.
    Utf8Bom,
    /// Valid UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-16 little-endian, recognised by its byte-order mark FF FE.
    Utf16Le,
    /// UTF-16 big-endian, recognised by its byte-order mark FE FF.
    Utf16Be,
    /// Anything else: older tools write DATs in the Windows "ANSI" code page without saying so.
    Windows1252,
}

/// Decodes by byte-order mark first, because that is how the loaders themselves decide; without
/// one, valid UTF-8 is taken as UTF-8 and anything else as Windows-1252 (which maps every byte, so
/// decoding never fails). Malformed sequences in a file that claims UTF-8 or UTF-16 become U+FFFD.
fn decode(bytes: &[u8]) -> (Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return (UTF_8.decode_without_bom_handling(rest).0, TextEncoding::Utf8Bom);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return (UTF_16LE.decode_without_bom_handling(rest).0, TextEncoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return (UTF_16BE.decode_without_bom_handling(rest).0, TextEncoding::Utf16Be);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), TextEncoding::Utf8),
        Err(_) => (WINDOWS_1252.decode_without_bom_handling(bytes).0, TextEncoding::Windows1252),
    }
}

// ---------------------------------------------------------------------------------------------
// Concordance DAT: writing
// ---------------------------------------------------------------------------------------------

/// Writes a standard Concordance DAT (UTF-8 with BOM, þ qualifier, U+0014 separator, CRLF).
///
/// Values are made safe for loaders that have no escapes:
/// * CR LF, LF and CR become ® (U+00AE), the Concordance newline, so a record stays on one line;
/// * þ (U+00FE) becomes Þ (U+00DE): a raw qualifier would end the value early and shift every
///   later column, and silently dropping the letter would change names and Icelandic text;
/// * U+0014 is removed, as it can only be a stray control character.
///
/// Every row should have one value per field; a short row is padded with empty values and a long
/// one cut, so one bad row cannot misalign the whole production.
pub fn write_dat(fields: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::new();
    push_dat_record(&mut out, fields.iter().copied());
    for row in rows {
        debug_assert_eq!(row.len(), fields.len(), "a DAT row has a different number of values than there are fields");
        push_dat_record(&mut out, fitted(row, fields.len()));
    }
    let mut bytes = UTF8_BOM.to_vec();
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

/// Pads or cuts a row to the header's width.
fn fitted(row: &[String], width: usize) -> impl Iterator<Item = &str> {
    row.iter().map(String::as_str).chain(std::iter::repeat("")).take(width)
}

fn push_dat_record<'a>(out: &mut String, values: impl Iterator<Item = &'a str>) {
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        out.push(QUALIFIER);
        push_dat_value(out, value);
        out.push(QUALIFIER);
    }
    out.push_str("\r\n");
}

fn push_dat_value(out: &mut String, value: &str) {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push(NEWLINE_MARK);
            }
            '\n' => out.push(NEWLINE_MARK),
            QUALIFIER => out.push(QUALIFIER_STAND_IN),
            SEPARATOR => {}
            c => out.push(c),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Concordance DAT: reading
// ---------------------------------------------------------------------------------------------

/// The delimiters a DAT was written with, as detected from its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatDialect {
    /// Between values: U+0014 in the standard, `|`, `,`, tab or `;` in others.
    pub separator: char,
    /// Around values: þ in the standard, `^` or `"` in others, none for plain pipe files.
    pub qualifier: Option<char>,
}

impl DatDialect {
    /// The standard one, which we write.
    pub const CONCORDANCE: DatDialect = DatDialect { separator: SEPARATOR, qualifier: Some(QUALIFIER) };
}

/// A record that was kept although something about it is wrong, so a caller can report the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatProblem {
    /// 1-based physical line where the record starts, as a text editor would number it.
    pub line: usize,
    pub detail: String,
}

impl fmt::Display for DatProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DAT line {}: {}", self.line, self.detail)
    }
}

/// One document's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatRow {
    /// 1-based physical line where the record starts (a record may span lines).
    pub line: usize,
    /// As many as the header has fields, except in records listed in [`Dat::problems`].
    pub values: Vec<String>,
}

/// A parsed DAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dat {
    pub encoding: TextEncoding,
    pub dialect: DatDialect,
    /// False when the first record looked like data; the fields are then `COLUMN1..N`.
    pub has_header: bool,
    pub fields: Vec<String>,
    pub rows: Vec<DatRow>,
    /// Records that were kept although they look damaged, in line order.
    pub problems: Vec<DatProblem>,
}

impl Dat {
    /// The column of the first alias that names a field. Matching ignores case, spaces, `_`, `-`,
    /// `.` and `#`, because each tool spells the same field differently (`BEGDOC#`, `Beg Doc`).
    pub fn field_index(&self, field_aliases: &[&str]) -> Option<usize> {
        field_aliases.iter().find_map(|alias| {
            let wanted = normalise_field(alias);
            self.fields.iter().position(|field| normalise_field(field) == wanted)
        })
    }

    /// A row's value for the first alias that names a field; `None` when no alias does or the
    /// (damaged) row is too short to have that column.
    pub fn get<'r>(&self, row: &'r DatRow, field_aliases: &[&str]) -> Option<&'r str> {
        row.values.get(self.field_index(field_aliases)?).map(String::as_str)
    }

    /// A row's value for one of our field names (see [`canonical_field`]), whatever the producing
    /// tool called it. A field spelled exactly like ours wins over an alias, because exports often
    /// carry both (BEGBATES and CONTROLNUMBER) and mean different numbers by them.
    pub fn get_canonical<'r>(&self, row: &'r DatRow, canonical: &str) -> Option<&'r str> {
        let wanted = normalise_field(canonical);
        let exact = self.fields.iter().position(|field| normalise_field(field) == wanted);
        let index = exact.or_else(|| self.fields.iter().position(|field| canonical_field(field) == Some(canonical)))?;
        row.values.get(index).map(String::as_str)
    }
}

/// Reads a DAT from our own productions or anyone else's.
///
/// * The encoding is taken from a byte-order mark, else UTF-8 if the bytes are valid UTF-8,
///   else Windows-1252 (see [`TextEncoding`]).
/// * The delimiters are detected from the first line (see [`DatDialect`]); a qualified value may
///   contain doubled qualifiers (`""` in CSV) and raw line breaks, which are kept as `\n`.
/// * ® (U+00AE) in a value is read as `\n`, since that is what Concordance writes for a line
///   break; a genuine ® cannot be told apart from one and comes back as a line break too.
/// * The first record is the header if it looks like field names (see [`looks_like_header`]).
/// * A record with the wrong number of values, or whose qualifier never closes, is kept and listed
///   in [`Dat::problems`] with the line it starts on.
pub fn parse_dat(bytes: &[u8]) -> Result<Dat, LoadFileError> {
    let (text, encoding) = decode(bytes);
    let mut cursor = Cursor::new(&text);
    cursor.skip_blank_lines();
    if cursor.at_end() {
        return Err(LoadFileError::Empty);
    }
    let dialect = detect_dialect(cursor.current_line());
    let mut problems = Vec::new();
    let first = read_next_record(&mut cursor, dialect, None, &mut problems);
    let has_header = looks_like_header(&first.values);
    let fields = if has_header { header_fields(&first) } else { numbered_fields(first.values.len()) };
    let mut rows = if has_header { Vec::new() } else { vec![first] };
    loop {
        cursor.skip_blank_lines();
        if cursor.at_end() {
            break;
        }
        let row = read_next_record(&mut cursor, dialect, Some(fields.len()), &mut problems);
        check_width(&row, fields.len(), has_header, &mut problems);
        rows.push(row);
    }
    Ok(Dat { encoding, dialect, has_header, fields, rows, problems })
}

/// Whether a DAT's first record names fields rather than holding a document: no value looks like
/// a Bates number and at least one is a field name some tool is known to use. Requiring a known
/// name keeps a headerless file whose first document lacks a Bates number from losing that record.
pub fn looks_like_header(values: &[String]) -> bool {
    !values.iter().any(|value| looks_like_bates(value)) && values.iter().any(|value| canonical_field(value).is_some())
}

/// At least four trailing digits: field names such as `SHA1` or `MD5` end in fewer.
fn looks_like_bates(value: &str) -> bool {
    Bates::parse(value).is_some_and(|bates| bates.digits >= 4)
}

fn header_fields(first: &DatRow) -> Vec<String> {
    first.values.iter().map(|name| name.trim().to_string()).collect()
}

fn numbered_fields(count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("COLUMN{i}")).collect()
}

fn check_width(row: &DatRow, width: usize, has_header: bool, problems: &mut Vec<DatProblem>) {
    if row.values.len() != width {
        let source = if has_header { "header row names" } else { "first record has" };
        let detail = format!("this record has {} values but the {source} {width}; its columns may be shifted", row.values.len());
        problems.push(DatProblem { line: row.line, detail });
    }
}

/// Looks only at the first line, because that is where every loader's import wizard looks too:
/// a qualified first value tells both the qualifier and (by the character after it) the
/// separator; an unqualified line is split on whichever usual separator it contains most.
fn detect_dialect(first_line: &str) -> DatDialect {
    let mut chars = first_line.chars();
    match chars.next() {
        Some(qualifier @ (QUALIFIER | '^' | '"')) => {
            let separator = separator_after_first_value(chars.as_str(), qualifier).unwrap_or(default_separator(qualifier));
            DatDialect { separator, qualifier: Some(qualifier) }
        }
        _ => unqualified_dialect(first_line),
    }
}

fn separator_after_first_value(rest: &str, qualifier: char) -> Option<char> {
    let close = rest.find(qualifier)?;
    let separator = rest[close + qualifier.len_utf8()..].chars().next()?;
    (separator != qualifier).then_some(separator)
}

fn default_separator(qualifier: char) -> char {
    match qualifier {
        QUALIFIER => SEPARATOR,
        '"' => ',',
        _ => '|',
    }
}

/// CSV-style files (comma, semicolon, tab) may still quote some later values, so they keep `"` as
/// a qualifier; pipe files are plain and a leading `"` there is part of the value.
fn unqualified_dialect(first_line: &str) -> DatDialect {
    let mut best = (SEPARATOR, 0);
    for candidate in [SEPARATOR, '|', '\t', ',', ';'] {
        let count = first_line.matches(candidate).count();
        if count > best.1 {
            best = (candidate, count);
        }
    }
    let qualifier = match best.0 {
        SEPARATOR => Some(QUALIFIER),
        '|' => None,
        _ => Some('"'),
    };
    DatDialect { separator: best.0, qualifier }
}

/// A position in the decoded text, with the physical line it is on.
#[derive(Clone)]
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0, line: 1 }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Takes CR LF, LF or a lone CR (old Mac files) as one line break.
    fn eat_line_break(&mut self) -> bool {
        match self.peek() {
            Some('\r') => {
                self.pos += 1;
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
            }
            Some('\n') => self.pos += 1,
            _ => return false,
        }
        self.line += 1;
        true
    }

    fn current_line(&self) -> &'a str {
        let rest = self.rest();
        &rest[..rest.find(['\r', '\n']).unwrap_or(rest.len())]
    }

    fn skip_line(&mut self) -> bool {
        self.pos += self.current_line().len();
        self.eat_line_break()
    }

    /// Exports often end with an empty line, and hand-edited ones have blank lines anywhere.
    fn skip_blank_lines(&mut self) {
        while self.current_line().chars().all(|c| c == ' ' || c == '\t') {
            if !self.skip_line() {
                return;
            }
        }
    }
}

#[derive(Default)]
struct Value {
    text: String,
    /// The qualifier never closed before the end of the file (or line, when lines may not break).
    unterminated: bool,
    crossed_line: bool,
}

struct RawRecord {
    row: DatRow,
    unterminated: bool,
    crossed_line: bool,
}

/// Reads one record, first letting qualified values span lines (real DATs contain raw line
/// breaks inside values) and, when that goes wrong, again line by line: a stray or unclosed
/// qualifier would otherwise swallow the following records, whereas reading the line alone
/// loses nothing and usually gives the right number of values.
fn read_next_record(cursor: &mut Cursor, dialect: DatDialect, width: Option<usize>, problems: &mut Vec<DatProblem>) -> DatRow {
    let start = cursor.clone();
    let spanning = read_record(cursor, dialect, true);
    let fits = |record: &RawRecord| width.is_none_or(|width| record.row.values.len() == width);
    if !spanning.unterminated && (!spanning.crossed_line || fits(&spanning)) {
        return spanning.row;
    }
    let after_spanning = cursor.clone();
    *cursor = start;
    let single = read_record(cursor, dialect, false);
    if spanning.unterminated || fits(&single) {
        if single.unterminated {
            problems.push(unclosed_problem(single.row.line, dialect));
        }
        return single.row;
    }
    *cursor = after_spanning;
    spanning.row
}

fn unclosed_problem(line: usize, dialect: DatDialect) -> DatProblem {
    let qualifier = dialect.qualifier.unwrap_or(QUALIFIER);
    let detail = format!(
        "a value opened with the text qualifier {qualifier} is not closed on this line; the record was read up to the end of the line"
    );
    DatProblem { line, detail }
}

/// Reads values up to the record's end. Afterwards the cursor is always just past a separator-free
/// line break or at the end of the text, so every call makes progress.
fn read_record(cursor: &mut Cursor, dialect: DatDialect, lines_may_break: bool) -> RawRecord {
    let mut record = RawRecord { row: DatRow { line: cursor.line, values: Vec::new() }, unterminated: false, crossed_line: false };
    loop {
        let value = read_value(cursor, dialect, lines_may_break);
        record.unterminated |= value.unterminated;
        record.crossed_line |= value.crossed_line;
        record.row.values.push(value.text);
        if cursor.peek() == Some(dialect.separator) {
            cursor.bump();
        } else {
            cursor.eat_line_break();
            return record;
        }
    }
}

/// A value is qualified only if it starts with the qualifier, so partly quoted CSV files work.
fn read_value(cursor: &mut Cursor, dialect: DatDialect, lines_may_break: bool) -> Value {
    match dialect.qualifier {
        Some(qualifier) if cursor.peek() == Some(qualifier) => {
            cursor.bump();
            read_qualified(cursor, dialect.separator, qualifier, lines_may_break)
        }
        _ => read_unqualified(cursor, dialect.separator),
    }
}

fn read_unqualified(cursor: &mut Cursor, separator: char) -> Value {
    let mut value = Value::default();
    while let Some(c) = cursor.peek() {
        if c == separator || c == '\r' || c == '\n' {
            break;
        }
        cursor.bump();
        push_read_char(&mut value.text, c);
    }
    value
}

/// A qualifier closes the value only when a separator, a line break or the end follows it; a
/// doubled qualifier is one literal qualifier (the CSV rule). Anything else is taken literally, so
/// a stray qualifier inside a value from a careless tool does not end it.
fn read_qualified(cursor: &mut Cursor, separator: char, qualifier: char, lines_may_break: bool) -> Value {
    let mut value = Value::default();
    loop {
        match cursor.peek() {
            None => {
                value.unterminated = true;
                return value;
            }
            Some('\r' | '\n') if !lines_may_break => {
                value.unterminated = true;
                return value;
            }
            Some('\r' | '\n') => {
                cursor.eat_line_break();
                value.text.push('\n');
                value.crossed_line = true;
            }
            Some(c) if c == qualifier => {
                cursor.bump();
                match cursor.peek() {
                    Some(next) if next == qualifier => {
                        cursor.bump();
                        value.text.push(qualifier);
                    }
                    None | Some('\r' | '\n') => return value,
                    Some(next) if next == separator => return value,
                    Some(_) => value.text.push(qualifier),
                }
            }
            Some(c) => {
                cursor.bump();
                push_read_char(&mut value.text, c);
            }
        }
    }
}

fn push_read_char(text: &mut String, c: char) {
    text.push(if c == NEWLINE_MARK { '\n' } else { c });
}

// ---------------------------------------------------------------------------------------------
// Field names
// ---------------------------------------------------------------------------------------------

/// Our field names and what other tools call them, already normalised (upper case, no spaces,
/// `_`, `-`, `.` or `#`). Each canonical name is listed as its own first alias.
const FIELD_ALIASES: &[(&str, &[&str])] = &[
    (
        "BEGBATES",
        &[
            "BEGBATES",
            "BEGDOC",
            "BEGNO",
            "PRODBEGBATES",
            "BATESBEGIN",
            "BEGINBATES",
            "BATESBEG",
            "BATESSTART",
            "STARTBATES",
            "FIRSTBATES",
            "BEGPROD",
            "PRODBEG",
            "BEGDOCID",
            "DOCID",
            "CONTROLNUMBER",
            "CONTROLNO",
        ],
    ),
    (
        "ENDBATES",
        &["ENDBATES", "ENDDOC", "ENDNO", "PRODENDBATES", "BATESEND", "ENDINGBATES", "LASTBATES", "ENDPROD", "PRODEND", "ENDDOCID"],
    ),
    (
        "BEGATTACH",
        &["BEGATTACH", "BEGFAMILY", "ATTACHBEG", "BEGATTACHMENT", "BEGINATTACH", "BEGATT", "FAMILYBEG", "PARENTBATES", "PRODBEGATTACH"],
    ),
    ("ENDATTACH", &["ENDATTACH", "ENDFAMILY", "ATTACHEND", "ENDATTACHMENT", "ENDATT", "FAMILYEND", "PRODENDATTACH"]),
    ("PGCOUNT", &["PGCOUNT", "PAGECOUNT", "PAGES", "NUMPAGES", "PAGECNT", "NUMBEROFPAGES"]),
    ("CUSTODIAN", &["CUSTODIAN"]),
    ("ALLCUSTODIANS", &["ALLCUSTODIANS", "CUSTODIANS", "DUPECUSTODIANS", "DUPLICATECUSTODIANS", "OTHERCUSTODIANS"]),
    ("FROM", &["FROM", "AUTHOR", "EMAILFROM", "SENDER"]),
    ("TO", &["TO", "RECIPIENT", "RECIPIENTS", "EMAILTO"]),
    ("CC", &["CC", "EMAILCC"]),
    ("BCC", &["BCC", "EMAILBCC"]),
    ("SUBJECT", &["SUBJECT", "EMAILSUBJECT", "TITLE"]),
    ("DATESENT", &["DATESENT", "SENTDATE", "EMAILDATESENT"]),
    ("TIMESENT", &["TIMESENT", "SENTTIME", "EMAILTIMESENT"]),
    ("FILENAME", &["FILENAME", "ORIGINALFILENAME"]),
    ("FILEEXT", &["FILEEXT", "EXTENSION", "FILEEXTENSION", "EXT"]),
    ("DATECREATED", &["DATECREATED", "CREATEDATE", "CREATEDDATE", "DATECREATE"]),
    ("DATEMODIFIED", &["DATEMODIFIED", "LASTMODIFIED", "MODIFIEDDATE", "DATELASTMOD", "LASTMODDATE", "DATELASTMODIFIED"]),
    ("MD5HASH", &["MD5HASH", "MD5", "HASHMD5"]),
    ("SHA1HASH", &["SHA1HASH", "SHA1", "HASHSHA1"]),
    ("SHA256HASH", &["SHA256HASH", "SHA256", "HASHSHA256"]),
    ("REDACTED", &["REDACTED", "REDACTION", "REDACTIONS", "HASREDACTIONS"]),
    ("CONFIDENTIALITY", &["CONFIDENTIALITY", "DESIGNATION", "CONFIDENTIALITYDESIGNATION"]),
    ("TEXTPATH", &["TEXTPATH", "TEXTLINK", "EXTRACTEDTEXT", "OCRPATH", "TEXTFILE", "TEXTFILEPATH", "FULLTEXT"]),
    ("NATIVEPATH", &["NATIVEPATH", "NATIVELINK", "NATIVEFILE", "NATIVEFILEPATH", "FILEPATH", "NATIVE"]),
];

/// Maps a field name from another tool's DAT to ours (`BEGDOC` → `BEGBATES`, `Page Count` →
/// `PGCOUNT`), so an incoming production can be loaded whatever its producer called things.
/// Case, spaces, `_`, `-`, `.` and `#` are ignored.
pub fn canonical_field(name: &str) -> Option<&'static str> {
    let wanted = normalise_field(name);
    FIELD_ALIASES.iter().find(|(_, aliases)| aliases.contains(&wanted.as_str())).map(|(canonical, _)| *canonical)
}

fn normalise_field(name: &str) -> String {
    name.chars().filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-' | '.' | '#'))).flat_map(char::to_uppercase).collect()
}

// ---------------------------------------------------------------------------------------------
// Opticon OPT
// ---------------------------------------------------------------------------------------------

/// One page image of an OPT file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptLine {
    /// 1-based physical line it was read from; ignored when writing.
    pub line: usize,
    /// The page's Bates number.
    pub page_id: String,
    pub volume: String,
    /// Relative to the volume's parent, usually with `\` as loaders are Windows programs.
    pub image_path: String,
    /// True on a document's first page.
    pub doc_break: bool,
    /// Usually given on the first page only.
    pub page_count: Option<u32>,
}

/// Writes `PAGEID,VOLUME,IMAGEPATH,DOCBREAK,FOLDERBREAK,BOXBREAK,PAGECOUNT` lines with CRLF, no BOM.
///
/// OPT has no qualifier, so a comma or line break inside a value would split the line; they are
/// written as `_`. Our producer names images after Bates numbers, so this only guards against a
/// caller's mistake rather than changing real paths.
pub fn write_opt(lines: &[OptLine]) -> Vec<u8> {
    let mut out = String::new();
    for line in lines {
        let doc_break = if line.doc_break { "Y" } else { "" };
        let page_count = line.page_count.map(|count| count.to_string()).unwrap_or_default();
        let fields = [opt_field(&line.page_id), opt_field(&line.volume), opt_field(&line.image_path)];
        out.push_str(&format!("{},{},{},{doc_break},,,{page_count}\r\n", fields[0], fields[1], fields[2]));
    }
    out.into_bytes()
}

fn opt_field(value: &str) -> String {
    value.replace([',', '\r', '\n'], "_")
}

/// Reads an OPT file from any tool: CRLF or LF, blank lines, `/` or `\` paths (kept as written),
/// missing trailing fields, Windows-1252 paths. A line with more than seven fields is taken to
/// have commas in its image path, since the other fields never contain one.
pub fn parse_opt(bytes: &[u8]) -> Result<Vec<OptLine>, LoadFileError> {
    let (text, _) = decode(bytes);
    let mut lines = Vec::new();
    let mut cursor = Cursor::new(&text);
    while !cursor.at_end() {
        let (number, content) = (cursor.line, cursor.current_line());
        if !content.trim().is_empty() {
            lines.push(parse_opt_line(number, content)?);
        }
        cursor.skip_line();
    }
    if lines.is_empty() {
        return Err(LoadFileError::Empty);
    }
    Ok(lines)
}

fn parse_opt_line(line: usize, content: &str) -> Result<OptLine, LoadFileError> {
    let error = |detail: String| LoadFileError::OptLine { line, detail };
    let fields: Vec<&str> = content.split(',').collect();
    if fields.len() < 4 {
        return Err(error(format!(
            "it has {} comma-separated fields, but a page needs at least 4 (page ID, volume, image path, document break)",
            fields.len()
        )));
    }
    let path_end = fields.len().saturating_sub(4).max(3);
    let page_id = fields[0].trim();
    let image_path = fields[2..path_end].join(",");
    let image_path = image_path.trim();
    if page_id.is_empty() {
        return Err(error("it has no page ID (Bates number) in its first field".to_string()));
    }
    if image_path.is_empty() {
        return Err(error(format!("page {page_id} has no image path in its third field")));
    }
    let doc_break = fields[path_end].trim();
    let page_count = parse_page_count(fields.get(path_end + 3).copied()).map_err(error)?;
    Ok(OptLine {
        line,
        page_id: page_id.to_string(),
        volume: fields[1].trim().to_string(),
        image_path: image_path.to_string(),
        doc_break: doc_break.eq_ignore_ascii_case("Y") || doc_break.eq_ignore_ascii_case("YES"),
        page_count,
    })
}

/// A garbled page count is an error rather than `None`: it usually means the columns are shifted.
fn parse_page_count(field: Option<&str>) -> Result<Option<u32>, String> {
    match field.map(str::trim) {
        None | Some("") => Ok(None),
        Some(count) => count.parse().map(Some).map_err(|_| format!("its page count {count:?} is not a whole number")),
    }
}

/// The pages of one document in an OPT file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptDocument {
    /// Page ID of the first page (the document's BEGBATES).
    pub first: String,
    /// Page ID of the last page (its ENDBATES).
    pub last: String,
    /// Indexes into the lines passed to [`opt_documents`].
    pub pages: Vec<usize>,
    /// The page count written on the first page, to compare with `pages.len()`.
    pub declared_pages: Option<u32>,
}

/// Groups pages into documents, starting a new one at each `DOCBREAK=Y`. Pages before the first
/// break (a damaged file) form a document of their own rather than being dropped.
pub fn opt_documents(lines: &[OptLine]) -> Vec<OptDocument> {
    let mut documents: Vec<OptDocument> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        match documents.last_mut() {
            Some(document) if !line.doc_break => {
                document.last.clone_from(&line.page_id);
                document.pages.push(index);
            }
            _ => documents.push(OptDocument {
                first: line.page_id.clone(),
                last: line.page_id.clone(),
                pages: vec![index],
                declared_pages: line.page_count,
            }),
        }
    }
    documents
}

// ---------------------------------------------------------------------------------------------
// Bates numbers
// ---------------------------------------------------------------------------------------------

/// A Bates number split into its fixed prefix and its counter, so ranges can be checked and
/// listed. The zero padding is part of the number's identity: ABC0001 and ABC001 are different
/// pages to every loader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bates {
    /// Everything before the trailing digits, separator included (`ACME-`, `ACME_`, `VOL.`).
    pub prefix: String,
    pub number: u64,
    /// How many digits are written, zeros included.
    pub digits: usize,
}

impl Bates {
    /// Splits at the trailing run of ASCII digits; `None` when there is none (or it exceeds u64).
    /// Surrounding whitespace is ignored, as DAT values often carry it.
    pub fn parse(s: &str) -> Option<Bates> {
        let s = s.trim();
        let prefix = s.trim_end_matches(|c: char| c.is_ascii_digit());
        let digits = &s[prefix.len()..];
        if digits.is_empty() {
            return None;
        }
        Some(Bates { prefix: prefix.to_string(), number: digits.parse().ok()?, digits: digits.len() })
    }

    /// The following page's number; `None` when it would need more digits than this one has,
    /// since a longer number would sort out of order and no loader would expect it.
    pub fn next(&self) -> Option<Bates> {
        let number = self.number.checked_add(1)?;
        let width = number.checked_ilog10().map_or(1, |log| log as usize + 1);
        (width <= self.digits).then(|| Bates { number, ..self.clone() })
    }
}

impl fmt::Display for Bates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:0width$}", self.prefix, self.number, width = self.digits)
    }
}

/// Every Bates number from `first` to `last`, both included, as written in a production (for
/// checking an OPT or a privilege log against the DAT). Both must share prefix and width, since
/// a range across prefixes has no defined order.
pub fn bates_range(first: &str, last: &str) -> Result<Vec<String>, LoadFileError> {
    let error = |detail: String| LoadFileError::BatesRange { first: first.to_string(), last: last.to_string(), detail };
    let start = Bates::parse(first).ok_or_else(|| error(format!("\"{first}\" does not end in a number")))?;
    let end = Bates::parse(last).ok_or_else(|| error(format!("\"{last}\" does not end in a number")))?;
    if start.prefix != end.prefix {
        return Err(error(format!("the prefixes differ (\"{}\" and \"{}\")", start.prefix, end.prefix)));
    }
    if start.digits != end.digits {
        return Err(error(format!("the numbers have different widths ({} and {} digits)", start.digits, end.digits)));
    }
    if end.number < start.number {
        return Err(error("the last number comes before the first".to_string()));
    }
    let span = end.number - start.number;
    if span >= MAX_BATES_RANGE {
        let count = span.saturating_add(1);
        return Err(LoadFileError::TooLarge { first: first.to_string(), last: last.to_string(), count, limit: MAX_BATES_RANGE });
    }
    Ok((start.number..=end.number).map(|number| Bates { number, ..start.clone() }.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    fn values(dat: &Dat) -> Vec<Vec<&str>> {
        dat.rows.iter().map(|row| row.values.iter().map(String::as_str).collect()).collect()
    }

    // ----- DAT writing -----

    #[test]
    fn dat_exact_bytes_of_two_fields_one_row() {
        let bytes = write_dat(&["BEGBATES", "ENDBATES"], &[strings(&["ABC0001", "ABC0002"])]);
        let expected: &[u8] =
            b"\xEF\xBB\xBF\xC3\xBEBEGBATES\xC3\xBE\x14\xC3\xBEENDBATES\xC3\xBE\r\n\xC3\xBEABC0001\xC3\xBE\x14\xC3\xBEABC0002\xC3\xBE\r\n";
        assert_eq!(bytes, expected);
    }

    #[test]
    fn dat_values_are_made_safe_for_loaders() {
        let bytes = write_dat(&["A"], &[strings(&["x\r\ny\nz\rw þorn a\u{14}b"])]);
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(text, "þAþ\r\nþx®y®z®w Þorn abþ\r\n");
    }

    #[test]
    fn dat_rows_are_fitted_to_the_header() {
        let short = strings(&["a"]);
        let long = strings(&["a", "b", "c"]);
        assert_eq!(fitted(&short, 3).collect::<Vec<_>>(), ["a", "", ""]);
        assert_eq!(fitted(&long, 2).collect::<Vec<_>>(), ["a", "b"]);
    }

    /// In debug builds the mismatch is a programming error caught by `debug_assert`; in release
    /// builds the row is padded so the file stays aligned.
    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "different number of values"))]
    fn dat_writer_pads_a_short_row() {
        let bytes = write_dat(&["BEGBATES", "ENDBATES"], &[strings(&["ABC0001"])]);
        let dat = parse_dat(&bytes).unwrap();
        assert_eq!(values(&dat), [["ABC0001", ""]]);
    }

    #[test]
    fn dat_round_trip_keeps_every_kind_of_value() {
        let fields = ["BEGBATES", "ENDBATES", "SUBJECT", "BODY"];
        let rows = vec![
            strings(&["ABC0000001", "ABC0000002", "line one\r\nline two\nthree\rfour", "þorn and Þ"]),
            strings(&["ABC0000003", "ABC0000003", "a,b|c^d^ \"quoted\" ''", "Ελληνικά 日本語 emoji 📎"]),
            strings(&["ABC0000004", "ABC0000004", "", "tab\there \u{14}gone"]),
        ];
        let dat = parse_dat(&write_dat(&fields, &rows)).unwrap();
        assert_eq!(dat.encoding, TextEncoding::Utf8Bom);
        assert_eq!(dat.dialect, DatDialect::CONCORDANCE);
        assert!(dat.has_header);
        assert_eq!(dat.fields, fields);
        assert!(dat.problems.is_empty(), "{:?}", dat.problems);
        assert_eq!(
            values(&dat),
            [
                ["ABC0000001", "ABC0000002", "line one\nline two\nthree\nfour", "Þorn and Þ"],
                ["ABC0000003", "ABC0000003", "a,b|c^d^ \"quoted\" ''", "Ελληνικά 日本語 emoji 📎"],
                ["ABC0000004", "ABC0000004", "", "tab\there gone"],
            ]
        );
        assert_eq!(dat.rows.iter().map(|row| row.line).collect::<Vec<_>>(), [2, 3, 4]);
    }

    // ----- DAT reading: encodings -----

    #[test]
    fn dat_in_windows_1252_without_bom() {
        let bytes = b"\xFEBEGBATES\xFE\x14\xFEENDBATES\xFE\x14\xFECUSTODIAN\xFE\r\n\xFEABC0001\xFE\x14\xFEABC0002\xFE\x14\xFEJos\xE9 M\xFCller\x92s\xFE\r\n";
        let dat = parse_dat(bytes).unwrap();
        assert_eq!(dat.encoding, TextEncoding::Windows1252);
        assert_eq!(dat.dialect, DatDialect::CONCORDANCE);
        assert_eq!(dat.fields, ["BEGBATES", "ENDBATES", "CUSTODIAN"]);
        assert_eq!(values(&dat), [["ABC0001", "ABC0002", "José Müller’s"]]);
    }

    #[test]
    fn dat_in_utf8_without_bom() {
        let dat = parse_dat("þBEGDOCþ\u{14}þTITLEþ\nþX00001þ\u{14}þ日本語þ\n".as_bytes()).unwrap();
        assert_eq!(dat.encoding, TextEncoding::Utf8);
        assert_eq!(values(&dat), [["X00001", "日本語"]]);
    }

    #[test]
    fn dat_in_utf16_either_byte_order() {
        let text = "þBEGBATESþ\u{14}þSUBJECTþ\r\nþABC0001þ\u{14}þΕλληνικάþ\r\n";
        let mut little = vec![0xFF, 0xFE];
        let mut big = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            little.extend_from_slice(&unit.to_le_bytes());
            big.extend_from_slice(&unit.to_be_bytes());
        }
        for (bytes, encoding) in [(little, TextEncoding::Utf16Le), (big, TextEncoding::Utf16Be)] {
            let dat = parse_dat(&bytes).unwrap();
            assert_eq!(dat.encoding, encoding);
            assert_eq!(values(&dat), [["ABC0001", "Ελληνικά"]]);
        }
    }

    // ----- DAT reading: dialects -----

    #[test]
    fn dat_pipe_delimited() {
        let dat = parse_dat(b"BEGBATES|ENDBATES|CUSTODIAN\nABC0001|ABC0002|\"Smith\"\nABC0003|ABC0003|Jones\n").unwrap();
        assert_eq!(dat.dialect, DatDialect { separator: '|', qualifier: None });
        assert_eq!(values(&dat), [["ABC0001", "ABC0002", "\"Smith\""], ["ABC0003", "ABC0003", "Jones"]]);
    }

    #[test]
    fn dat_caret_qualified_with_pipe_or_comma() {
        let dat = parse_dat(b"^BEGBATES^|^ENDBATES^\r\n^ABC0001^|^ABC|0002^\r\n").unwrap();
        assert_eq!(dat.dialect, DatDialect { separator: '|', qualifier: Some('^') });
        assert_eq!(values(&dat), [["ABC0001", "ABC|0002"]]);

        let dat = parse_dat(b"^BEGNO^,^ENDNO^\r\n^ABC0001^,^a, b^\r\n").unwrap();
        assert_eq!(dat.dialect, DatDialect { separator: ',', qualifier: Some('^') });
        assert_eq!(dat.fields, ["BEGNO", "ENDNO"]);
        assert_eq!(values(&dat), [["ABC0001", "a, b"]]);
    }

    #[test]
    fn dat_comma_csv_with_doubled_quotes() {
        let dat = parse_dat(b"\"BEGDOC\",\"ENDDOC\",\"SUBJECT\"\r\n\"ABC0001\",ABC0002,\"Hello, \"\"world\"\"\"\r\n").unwrap();
        assert_eq!(dat.dialect, DatDialect { separator: ',', qualifier: Some('"') });
        assert_eq!(values(&dat), [["ABC0001", "ABC0002", "Hello, \"world\""]]);
    }

    #[test]
    fn dat_with_other_separator_after_thorn() {
        let dat = parse_dat("þBEGBATESþ;þENDBATESþ\r\nþA0001þ;þA0002þ\r\n".as_bytes()).unwrap();
        assert_eq!(dat.dialect, DatDialect { separator: ';', qualifier: Some(QUALIFIER) });
        assert_eq!(values(&dat), [["A0001", "A0002"]]);
    }

    #[test]
    fn dat_without_header_row_gets_numbered_columns() {
        let dat = parse_dat("þABC0000001þ\u{14}þABC0000003þ\r\nþABC0000004þ\u{14}þABC0000004þ\r\n".as_bytes()).unwrap();
        assert!(!dat.has_header);
        assert_eq!(dat.fields, ["COLUMN1", "COLUMN2"]);
        assert_eq!(values(&dat), [["ABC0000001", "ABC0000003"], ["ABC0000004", "ABC0000004"]]);
        assert_eq!(dat.rows[0].line, 1);
    }

    #[test]
    fn header_detection() {
        assert!(looks_like_header(&strings(&["BegDoc", "EndDoc"])));
        assert!(looks_like_header(&strings(&["Control Number", "Custodian"])));
        assert!(!looks_like_header(&strings(&["ABC-000001", "Custodian"])), "a Bates value means data");
        assert!(!looks_like_header(&strings(&["FOO", "BAR"])), "no known field name");
        assert!(looks_like_header(&strings(&["BEGBATES", "SHA1", "MD5"])), "short digit runs are not Bates numbers");
    }

    #[test]
    fn dat_register_mark_reads_as_newline_and_raw_newlines_are_kept() {
        let text = "þBEGBATESþ\u{14}þBODYþ\r\nþA0001þ\u{14}þone®twoþ\r\nþA0002þ\u{14}þthree\r\nfourþ\r\nþA0003þ\u{14}þfiveþ\r\n";
        let dat = parse_dat(text.as_bytes()).unwrap();
        assert_eq!(values(&dat), [["A0001", "one\ntwo"], ["A0002", "three\nfour"], ["A0003", "five"]]);
        assert_eq!(dat.rows.iter().map(|row| row.line).collect::<Vec<_>>(), [2, 3, 5]);
        assert!(dat.problems.is_empty());
    }

    #[test]
    fn dat_wrong_width_is_kept_and_reported_with_its_line() {
        let text = "þBEGBATESþ\u{14}þENDBATESþ\r\nþA0001þ\u{14}þmulti\r\nlineþ\r\n\r\nþA0002þ\r\nþA0003þ\u{14}þA0003þ\u{14}þextraþ\r\n";
        let dat = parse_dat(text.as_bytes()).unwrap();
        assert_eq!(values(&dat), [vec!["A0001", "multi\nline"], vec!["A0002"], vec!["A0003", "A0003", "extra"]]);
        assert_eq!(dat.problems.iter().map(|p| p.line).collect::<Vec<_>>(), [5, 6]);
        assert!(dat.problems[0].detail.contains("1 values but the header row names 2"), "{}", dat.problems[0].detail);
        assert!(dat.problems[0].to_string().starts_with("DAT line 5:"));
    }

    #[test]
    fn dat_unclosed_qualifier_does_not_swallow_later_records() {
        let text = "þBEGBATESþ\u{14}þSUBJECTþ\r\nþA0001þ\u{14}þbroken\r\nþA0002þ\u{14}þfineþ\r\n";
        let dat = parse_dat(text.as_bytes()).unwrap();
        assert_eq!(values(&dat), [["A0001", "broken"], ["A0002", "fine"]]);
        assert_eq!(dat.problems.len(), 1);
        assert_eq!(dat.problems[0].line, 2);
    }

    #[test]
    fn dat_stray_qualifier_spanning_lines_falls_back_to_one_line() {
        // The closing þ on line 2 is followed by a space, so it does not close the value.
        let text = "þBEGBATESþ\u{14}þSUBJECTþ\r\nþA0001þ\u{14}þoopsþ \r\nþA0002þ\u{14}þfineþ\r\n";
        let dat = parse_dat(text.as_bytes()).unwrap();
        assert_eq!(values(&dat), [["A0001", "oopsþ "], ["A0002", "fine"]]);
        assert_eq!(dat.problems.iter().map(|p| p.line).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn dat_get_finds_fields_by_any_alias() {
        let dat = parse_dat(b"BegDoc|End_Doc|CONTROLNUMBER|Page Count\nA0001|A0003|CN1|3\n").unwrap();
        let row = &dat.rows[0];
        assert_eq!(dat.get(row, &["BEGBATES", "begdoc"]), Some("A0001"));
        assert_eq!(dat.get(row, &["ENDDOC"]), Some("A0003"));
        assert_eq!(dat.get(row, &["NOPE"]), None);
        assert_eq!(dat.get_canonical(row, "BEGBATES"), Some("A0001"));
        assert_eq!(dat.get_canonical(row, "PGCOUNT"), Some("3"));
        assert_eq!(dat.get_canonical(row, "CUSTODIAN"), None);
        let short = DatRow { line: 9, values: strings(&["A"]) };
        assert_eq!(dat.get(&short, &["ENDDOC"]), None);
    }

    #[test]
    fn get_canonical_prefers_the_exact_name() {
        let dat = parse_dat(b"CONTROLNUMBER|BEGBATES\nCN0001|PROD0001\n").unwrap();
        assert_eq!(dat.get_canonical(&dat.rows[0], "BEGBATES"), Some("PROD0001"));
    }

    #[test]
    fn canonical_field_names() {
        for (name, canonical) in [
            ("Beg Bates", "BEGBATES"),
            ("beg_bates", "BEGBATES"),
            ("Prod-Beg-Bates", "BEGBATES"),
            ("BEGDOC#", "BEGBATES"),
            ("Control Number", "BEGBATES"),
            ("DOCID", "BEGBATES"),
            ("End Bates", "ENDBATES"),
            ("ENDNO", "ENDBATES"),
            ("Beg Attach", "BEGATTACH"),
            ("PARENT_BATES", "BEGATTACH"),
            ("EndFamily", "ENDATTACH"),
            ("Page Count", "PGCOUNT"),
            ("Author", "FROM"),
            ("Email_To", "TO"),
            ("Title", "SUBJECT"),
            ("Sent Date", "DATESENT"),
            ("Extension", "FILEEXT"),
            ("LastModified", "DATEMODIFIED"),
            ("Text Path", "TEXTPATH"),
            ("OCRPATH", "TEXTPATH"),
            ("FILEPATH", "NATIVEPATH"),
            ("Native Path", "NATIVEPATH"),
        ] {
            assert_eq!(canonical_field(name), Some(canonical), "{name}");
        }
        assert_eq!(canonical_field("Favourite Colour"), None);
        assert_eq!(canonical_field(""), None);
    }

    #[test]
    fn every_canonical_name_maps_to_itself_and_aliases_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (canonical, aliases) in FIELD_ALIASES {
            assert_eq!(canonical_field(canonical), Some(*canonical));
            for alias in *aliases {
                assert_eq!(normalise_field(alias), *alias, "aliases are stored normalised");
                assert!(seen.insert(*alias), "{alias} is listed twice");
            }
        }
    }

    // ----- DAT reading: hostile input -----

    #[test]
    fn dat_empty_inputs_are_errors() {
        for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\r\n\r\n", b"  \n\t\n", b"\xFF\xFE"] {
            assert!(matches!(parse_dat(bytes), Err(LoadFileError::Empty)), "{bytes:?}");
        }
        assert!(LoadFileError::Empty.to_string().contains("empty"));
    }

    #[test]
    fn dat_of_only_a_header() {
        let dat = parse_dat(&write_dat(&["BEGBATES", "ENDBATES"], &[])).unwrap();
        assert!(dat.has_header);
        assert_eq!(dat.fields, ["BEGBATES", "ENDBATES"]);
        assert!(dat.rows.is_empty());
        assert!(dat.problems.is_empty());
    }

    #[test]
    fn dat_lone_qualifiers() {
        for text in ["þ", "^", "\"", "þ\r\n", "þBEGBATES"] {
            let dat = parse_dat(text.as_bytes()).unwrap();
            assert_eq!(dat.problems.len(), 1, "{text:?}: {:?}", dat.problems);
            assert_eq!(dat.problems[0].line, 1);
        }
    }

    #[test]
    fn dat_truncated_anywhere_never_panics() {
        let rows = vec![strings(&["ABC0001", "ABC0002", "Ελληνικά\nline"]), strings(&["ABC0003", "ABC0003", "日本語"])];
        let bytes = write_dat(&["BEGBATES", "ENDBATES", "SUBJECT"], &rows);
        for end in 0..=bytes.len() {
            match parse_dat(&bytes[..end]) {
                Err(LoadFileError::Empty) => assert!(end <= UTF8_BOM.len(), "only a BOM is empty, not {end} bytes"),
                Err(other) => panic!("unexpected error at {end}: {other}"),
                Ok(dat) => assert!(dat.rows.iter().all(|row| row.line >= 1)),
            }
        }
    }

    #[test]
    fn garbage_bytes_never_panic() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let alphabet = [0xFE, 0x14, b'^', b'"', b'|', b',', b'\r', b'\n', b'A', b'0', 0xC3, 0xBE, 0xAE, 0xFF];
        for length in 0..400 {
            let mut bytes = Vec::with_capacity(length);
            for _ in 0..length {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let pick = (state >> 33) as usize;
                bytes.push(if pick.is_multiple_of(3) { (pick >> 8) as u8 } else { alphabet[pick % alphabet.len()] });
            }
            if let Ok(dat) = parse_dat(&bytes) {
                let lines: Vec<usize> = dat.rows.iter().map(|row| row.line).collect();
                assert!(lines.windows(2).all(|pair| pair[0] < pair[1]), "rows out of order: {lines:?}");
            }
            let _ = parse_opt(&bytes);
        }
    }

    // ----- OPT -----

    fn page(page_id: &str, image_path: &str, doc_break: bool, page_count: Option<u32>) -> OptLine {
        OptLine { line: 0, page_id: page_id.into(), volume: "VOL001".into(), image_path: image_path.into(), doc_break, page_count }
    }

    fn sample_pages() -> Vec<OptLine> {
        let pdf = r"VOL001\IMAGES\0001\ACME-0000001.pdf";
        vec![
            page("ACME-0000001", pdf, true, Some(3)),
            page("ACME-0000002", pdf, false, None),
            page("ACME-0000003", pdf, false, None),
            page("ACME-0000004", r"VOL001\IMAGES\0001\ACME-0000004.tif", true, Some(2)),
            page("ACME-0000005", r"VOL001\IMAGES\0001\ACME-0000005.tif", false, None),
        ]
    }

    #[test]
    fn opt_exact_bytes() {
        let bytes = write_opt(&sample_pages()[..2]);
        let expected = "ACME-0000001,VOL001,VOL001\\IMAGES\\0001\\ACME-0000001.pdf,Y,,,3\r\n\
                        ACME-0000002,VOL001,VOL001\\IMAGES\\0001\\ACME-0000001.pdf,,,,\r\n";
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }

    #[test]
    fn opt_round_trip() {
        let pages = sample_pages();
        let parsed = parse_opt(&write_opt(&pages)).unwrap();
        let expected: Vec<OptLine> = pages.into_iter().enumerate().map(|(i, page)| OptLine { line: i + 1, ..page }).collect();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn opt_writer_keeps_lines_whole() {
        let bytes = write_opt(&[page("A0001", "odd,name\r\n.tif", true, Some(1))]);
        assert_eq!(bytes, b"A0001,VOL001,odd_name__.tif,Y,,,1\r\n");
    }

    #[test]
    fn opt_tolerant_reading() {
        let bytes = b"\nA0001,V1,V1/IMAGES/A0001.tif,Y\n\n A0002 ,V1,V1/IMAGES/Caf\xE9.tif, ,,,\r\nA0003,V1,V1\\a,b.tif,y,,,2\n";
        let lines = parse_opt(bytes).unwrap();
        assert_eq!(lines.iter().map(|l| l.line).collect::<Vec<_>>(), [2, 4, 5]);
        assert_eq!(lines[0].image_path, "V1/IMAGES/A0001.tif");
        assert!(lines[0].doc_break);
        assert_eq!(lines[0].page_count, None);
        assert_eq!(lines[1].page_id, "A0002");
        assert_eq!(lines[1].image_path, "V1/IMAGES/Café.tif");
        assert!(!lines[1].doc_break);
        assert_eq!(lines[2].image_path, r"V1\a,b.tif");
        assert!(lines[2].doc_break);
        assert_eq!(lines[2].page_count, Some(2));
    }

    #[test]
    fn opt_errors_name_the_line() {
        let error = parse_opt(b"A0001,V1,a.tif,Y,,,1\r\n\r\nA0002,V1,b.tif\r\n").unwrap_err();
        assert!(matches!(error, LoadFileError::OptLine { line: 3, .. }), "{error:?}");
        assert!(error.to_string().contains("line 3"), "{error}");

        let error = parse_opt(b"A0001,V1,a.tif,Y,,,three\n").unwrap_err();
        assert!(matches!(&error, LoadFileError::OptLine { line: 1, detail } if detail.contains("three")), "{error:?}");

        assert!(matches!(parse_opt(b",V1,a.tif,Y\n"), Err(LoadFileError::OptLine { line: 1, .. })));
        assert!(matches!(parse_opt(b"A1,V1, ,Y\n"), Err(LoadFileError::OptLine { line: 1, .. })));
        assert!(matches!(parse_opt(b"\r\n \r\n"), Err(LoadFileError::Empty)));
    }

    #[test]
    fn opt_pages_group_into_documents() {
        let documents = opt_documents(&sample_pages());
        assert_eq!(
            documents,
            [
                OptDocument { first: "ACME-0000001".into(), last: "ACME-0000003".into(), pages: vec![0, 1, 2], declared_pages: Some(3) },
                OptDocument { first: "ACME-0000004".into(), last: "ACME-0000005".into(), pages: vec![3, 4], declared_pages: Some(2) },
            ]
        );
        assert!(opt_documents(&[]).is_empty());
    }

    #[test]
    fn opt_pages_before_the_first_break_are_not_dropped() {
        let mut pages = sample_pages();
        pages[0].doc_break = false;
        let documents = opt_documents(&pages);
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].pages, [0, 1, 2]);
    }

    // ----- Bates -----

    #[test]
    fn bates_parse_and_format() {
        for (text, prefix, number, digits) in [
            ("ABC0000001", "ABC", 1, 7),
            ("ABC-000001", "ABC-", 1, 6),
            ("ACME_00120", "ACME_", 120, 5),
            ("VOL.0042", "VOL.", 42, 4),
            ("SMITH 0007", "SMITH ", 7, 4),
            ("0001234", "", 1234, 7),
            (" X9 ", "X", 9, 1),
        ] {
            let bates = Bates::parse(text).unwrap_or_else(|| panic!("{text} should parse"));
            assert_eq!(bates, Bates { prefix: prefix.into(), number, digits }, "{text}");
            assert_eq!(bates.to_string(), text.trim());
        }
        for text in ["", "ABC", "ABC-", "99999999999999999999999"] {
            assert_eq!(Bates::parse(text), None, "{text}");
        }
    }

    #[test]
    fn bates_next() {
        assert_eq!(Bates::parse("ABC0009").unwrap().next().unwrap().to_string(), "ABC0010");
        assert_eq!(Bates::parse("ABC-0999").unwrap().next().unwrap().to_string(), "ABC-1000");
        assert_eq!(Bates::parse("ABC9999").unwrap().next(), None, "out of digits");
        assert_eq!(Bates::parse("0").unwrap().next().unwrap().to_string(), "1");
    }

    #[test]
    fn bates_range_lists_every_number() {
        assert_eq!(bates_range("ABC-0098", "ABC-0101").unwrap(), ["ABC-0098", "ABC-0099", "ABC-0100", "ABC-0101"]);
        assert_eq!(bates_range("X1", "X1").unwrap(), ["X1"]);
    }

    #[test]
    fn bates_range_errors() {
        for (first, last, wording) in [
            ("ABC0001", "ABD0002", "prefixes differ"),
            ("ABC0001", "ABC00002", "different widths"),
            ("ABC0005", "ABC0001", "comes before"),
            ("ABC", "ABC0001", "does not end in a number"),
            ("ABC0001", "", "does not end in a number"),
        ] {
            let error = bates_range(first, last).unwrap_err();
            assert!(matches!(error, LoadFileError::BatesRange { .. }), "{error:?}");
            assert!(error.to_string().contains(wording), "{error}");
            assert!(error.to_string().contains(first), "{error}");
        }
    }

    #[test]
    fn bates_range_is_capped() {
        assert_eq!(bates_range("ABC0000001", "ABC1000000").unwrap().len(), 1_000_000);
        let error = bates_range("ABC0000001", "ABC1000001").unwrap_err();
        assert!(matches!(error, LoadFileError::TooLarge { count: 1_000_001, .. }), "{error:?}");
        let error = bates_range("A00000000000000000000", "A18446744073709551615").unwrap_err();
        assert!(matches!(error, LoadFileError::TooLarge { count: u64::MAX, .. }), "{error:?}");
    }
}

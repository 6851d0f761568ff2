//! LCS: the longest common subsequence of two strings, as Redis 7.0's `lcsCommand` finds it
//! (the textbook dynamic programme, then one walk back that yields the string, its length,
//! or the matching ranges).
//!
//! The table has a cell per pair of positions: (len a + 1) × (len b + 1) numbers of 4 bytes,
//! and as many steps. Redis refuses a table larger than `proto-max-bulk-len` bytes, and so does
//! this: that bounds the memory; the time (up to some 134 million cells at the default 512 MB)
//! is Redis's too, a command that stalls the loop for as long as it runs.
//!
//! Redis counterpart: `t_string.c` (`lcsCommand`).

use crate::resp::number::parse_i64;
use crate::resp::{Request, reply};
use crate::server::command::Exec;
use crate::server::commands::keys::read;

/// One matching range: positions in `a`, positions in `b` (inclusive), and its length.
type Range = ((usize, usize), (usize, usize), usize);

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]` → `$lcs`, `:len`, or with
/// IDX `*4 "matches" [ranges] "len" :len`.
pub(super) fn lcs(exec: &mut Exec<'_, '_>, req: &Request<'_>) {
    let now = exec.now_ms;
    // Both keys are looked up (and counted) before either's type is judged, as in Redis.
    let a = read(exec.state, req.arg(1), now).map(|v| v.as_str().map(<[u8]>::to_vec));
    let b = read(exec.state, req.arg(2), now).map(|v| v.as_str().map(<[u8]>::to_vec));
    let (a, b) = match (a, b) {
        (Some(None), _) | (_, Some(None)) => {
            return exec.error("ERR The specified keys must contain string values");
        }
        (a, b) => (
            a.flatten().unwrap_or_default(),
            b.flatten().unwrap_or_default(),
        ),
    };
    let (mut get_len, mut get_idx, mut with_match_len, mut min_match_len) =
        (false, false, false, 0);
    let mut at = 3;
    while at < req.len() {
        let option = req.arg(at);
        if option.eq_ignore_ascii_case(b"IDX") {
            get_idx = true;
        } else if option.eq_ignore_ascii_case(b"LEN") {
            get_len = true;
        } else if option.eq_ignore_ascii_case(b"WITHMATCHLEN") {
            with_match_len = true;
        } else if option.eq_ignore_ascii_case(b"MINMATCHLEN") && at + 1 < req.len() {
            let Some(n) = parse_i64(req.arg(at + 1)) else {
                return exec.not_integer();
            };
            min_match_len = usize::try_from(n).unwrap_or(0);
            at += 1;
        } else {
            return exec.syntax_error();
        }
        at += 1;
    }
    if get_len && get_idx {
        return exec.error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let cells = (a.len() + 1).saturating_mul(b.len() + 1);
    let bytes = cells.saturating_mul(std::mem::size_of::<u32>());
    let too_big = u64::try_from(bytes).map_or(true, |bytes| {
        bytes > u64::try_from(exec.state.config.proto_max_bulk_len).unwrap_or(0)
    });
    if too_big || a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return exec
            .error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    }
    let found = walk(&a, &b, get_idx || !get_len, min_match_len);
    if get_idx {
        reply::array(exec.out, 4);
        reply::bulk(exec.out, b"matches");
        reply::array(exec.out, found.ranges.len());
        for &((a_start, a_end), (b_start, b_end), len) in &found.ranges {
            reply::array(exec.out, 2 + usize::from(with_match_len));
            for (start, end) in [(a_start, a_end), (b_start, b_end)] {
                reply::array(exec.out, 2);
                reply::integer(exec.out, start as i64);
                reply::integer(exec.out, end as i64);
            }
            if with_match_len {
                reply::integer(exec.out, len as i64);
            }
        }
        reply::bulk(exec.out, b"len");
        reply::integer(exec.out, found.len as i64);
    } else if get_len {
        exec.integer(found.len as i64);
    } else {
        exec.bulk(&found.string);
    }
}

/// What the walk back found.
struct Found {
    len: usize,
    string: Vec<u8>,
    ranges: Vec<Range>,
}

/// The table, then Redis's walk back from its last cell: the common string (built from its
/// end) and the ranges of contiguous matches, emitted as Redis emits them: a range ends where
/// the walk leaves the diagonal, or at either string's start. (Redis's loop also closes a
/// range at a match that cannot extend it; a step off the diagonal always closes the range
/// first, so that arm never runs, here or there: it is kept to stay a faithful port.)
fn walk(a: &[u8], b: &[u8], compute: bool, min_match_len: usize) -> Found {
    let width = b.len() + 1;
    let mut table = vec![0u32; (a.len() + 1) * width];
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let len = table[a.len() * width + b.len()] as usize;
    let mut found = Found {
        len,
        string: Vec::new(),
        ranges: Vec::new(),
    };
    if !compute {
        return found;
    }
    let mut string = vec![0u8; len];
    let mut idx = len;
    // `None`: no range under way (Redis's `arange_start == alen`).
    let mut range: Option<(usize, usize, usize, usize)> = None;
    let (mut i, mut j) = (a.len(), b.len());
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            if let Some(slot) = string.get_mut(idx.wrapping_sub(1)) {
                *slot = a[i - 1];
            }
            match &mut range {
                None => range = Some((i - 1, i - 1, j - 1, j - 1)),
                Some((a_start, _, b_start, _)) if *a_start == i && *b_start == j => {
                    *a_start -= 1;
                    *b_start -= 1;
                }
                Some(_) => emit = true,
            }
            if range.is_some_and(|(a_start, _, b_start, _)| a_start == 0 || b_start == 0) {
                emit = true;
            }
            idx = idx.saturating_sub(1);
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * width + j] > table[i * width + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            emit = range.is_some();
        }
        if emit && let Some((a_start, a_end, b_start, b_end)) = range.take() {
            let match_len = a_end - a_start + 1;
            if min_match_len == 0 || match_len >= min_match_len {
                found
                    .ranges
                    .push(((a_start, a_end), (b_start, b_end), match_len));
            }
        }
    }
    found.string = string;
    found
}

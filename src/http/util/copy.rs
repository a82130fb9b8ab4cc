//! Copies of short byte strings (header names and values, status and `Date` lines, request
//! parts kept inline) with a few fixed-size moves instead of calls to `memcpy`, whose set-up
//! costs more than the copy itself at these lengths.

use bytes::BytesMut;

/// `dst[..src.len()] = src`, through `copy_bytes`: how the tests check it (the crate's inline
/// strings are assembled in registers instead, see `shared_str::InlineBuf`).
#[cfg(test)]
fn copy_into(src: &[u8], dst: &mut [u8]) {
    assert!(src.len() <= dst.len());
    // SAFETY: `dst` has room for `src` (checked above); a `&mut` cannot overlap a `&`.
    unsafe { copy_bytes(src, dst.as_mut_ptr()) }
}

/// Appends the parts, one after the other, growing `dst` at most once.
#[inline(always)]
pub(crate) fn put_parts<const K: usize>(dst: &mut BytesMut, parts: [&[u8]; K]) {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    dst.reserve(total);
    let spare = dst.spare_capacity_mut();
    assert!(spare.len() >= total);
    let mut at = spare.as_mut_ptr().cast::<u8>();
    // SAFETY: the parts fill exactly the `total` bytes of spare capacity checked above, and are
    // all written before the length is extended over them; `dst` does not overlap the parts
    // (they are shared borrows while `dst` is borrowed mutably).
    unsafe {
        for part in parts {
            copy_bytes(part, at);
            at = at.add(part.len());
        }
        dst.set_len(dst.len() + total);
    }
}

/// Copies `src` to `dst`: up to 64 bytes with two overlapping fixed-size moves, longer ones
/// with `memcpy`.
///
/// # Safety
///
/// `dst` must be valid for writing `src.len()` bytes and not overlap `src`.
#[inline(always)]
unsafe fn copy_bytes(src: &[u8], dst: *mut u8) {
    let n = src.len();
    let s = src.as_ptr();
    // SAFETY: every move lies within the first `n` bytes of `src` and of `dst` (see
    // `copy_ends`), which the caller promises `dst` has room for.
    unsafe {
        match n {
            65.. => std::ptr::copy_nonoverlapping(s, dst, n),
            32..=64 => copy_ends::<32>(s, dst, n),
            16..=31 => copy_ends::<16>(s, dst, n),
            8..=15 => copy_ends::<8>(s, dst, n),
            4..=7 => copy_ends::<4>(s, dst, n),
            2..=3 => copy_ends::<2>(s, dst, n),
            1 => *dst = *s,
            0 => {}
        }
    }
}

/// Copies `n` bytes (`N <= n <= 2 * N`) as the first `N` and the last `N`, overlapping.
///
/// # Safety
///
/// `src` must be readable and `dst` writable for `n` bytes, not overlapping.
#[inline(always)]
unsafe fn copy_ends<const N: usize>(src: *const u8, dst: *mut u8, n: usize) {
    debug_assert!(N <= n && n <= 2 * N);
    // SAFETY: both moves lie within the first `n` bytes (the caller's promise).
    unsafe {
        let head = src.cast::<[u8; N]>().read_unaligned();
        let tail = src.add(n - N).cast::<[u8; N]>().read_unaligned();
        dst.cast::<[u8; N]>().write_unaligned(head);
        dst.add(n - N).cast::<[u8; N]>().write_unaligned(tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_is_copied_exactly() {
        let data: Vec<u8> = (0..100u8).collect();
        for n in 0..=data.len() {
            // Into a longer buffer: nothing past `n` is touched.
            let mut dst = [0xAAu8; 120];
            copy_into(&data[..n], &mut dst);
            assert_eq!(&dst[..n], &data[..n]);
            assert!(dst[n..].iter().all(|&b| b == 0xAA), "len {n}");
            // Appended after existing bytes, in parts.
            let mut out = BytesMut::from(&b"xy"[..]);
            put_parts(&mut out, [&data[..n], b": ", &data[..n / 3]]);
            let mut want = b"xy".to_vec();
            want.extend_from_slice(&data[..n]);
            want.extend_from_slice(b": ");
            want.extend_from_slice(&data[..n / 3]);
            assert_eq!(&out[..], &want[..], "len {n}");
        }
    }
}

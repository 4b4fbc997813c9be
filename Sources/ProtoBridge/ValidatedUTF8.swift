internal import Glibc

/// The string of `bytes` if they are valid UTF-8, else nil.
///
/// Decoded with repair, then compared with the input: valid input comes out byte for byte,
/// invalid input gets a replacement character where it stops being valid, so the two
/// differ. The standard library's `String(validating:as:)` is generic over the encoding
/// and not specialized for callers outside it: it costs twice as much, and this runs for
/// every string field of every message and frame read.
package func validUTF8String(_ bytes: UnsafeRawBufferPointer) -> String? {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return "" }
    var decoded = String(decoding: bytes, as: UTF8.self)
    let same = decoded.withUTF8 { utf8 in utf8.count == bytes.count && memcmp(utf8.baseAddress!, base, bytes.count) == 0 }
    return same ? decoded : nil
}

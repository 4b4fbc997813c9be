package import CProtobufC
internal import Glibc

/// Copies fields of an unpacked protobuf-c message into Swift values, validating strings.
///
/// protobuf-c does not check that `string` fields are UTF-8; this does, so invalid
/// input becomes `ProtoDecodingError.invalidUTF8` instead of a corrupt `String`.
/// Public with nothing public in it, like `ProtoArena`, so its generic helpers specialize.
public struct ProtoDecodingContext {
    package init() {}

    package func string(_ pointer: UnsafeMutablePointer<CChar>?) throws(ProtoDecodingError) -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
        guard let string = validUTF8String(bytes) else { throw .invalidUTF8 }
        return string
    }

    package func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int) throws(ProtoDecodingError) -> [String]
    {
        guard let pointer, count > 0 else { return [] }
        var result: [String] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            result.append(try string(pointer[index]))
        }
        return result
    }

    package func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard let base = data.data, data.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    package func byteArrays(_ pointer: UnsafeMutablePointer<ProtobufCBinaryData>?, count: Int) -> [[UInt8]] {
        guard let pointer, count > 0 else { return [] }
        return (0..<count).map { bytes(pointer[$0]) }
    }

    @inlinable
    package func scalars<C, S>(_ pointer: UnsafeMutablePointer<C>?, count: Int, _ convert: (C) -> S) -> [S] {
        guard let pointer, count > 0 else { return [] }
        return UnsafeBufferPointer(start: pointer, count: count).map(convert)
    }

    /// The Swift value of an optional sub-message; `make` is its `init(cMessage:context:)`.
    @inlinable
    package mutating func message<C, M>(
        _ pointer: UnsafeMutablePointer<C>?,
        _ make: (UnsafePointer<C>, inout ProtoDecodingContext) throws(ProtoDecodingError) -> M
    ) throws(ProtoDecodingError) -> M? {
        guard let pointer else { return nil }
        return try make(pointer, &self)
    }

    /// The Swift values of a repeated sub-message; `make` is its `init(cMessage:context:)`.
    @inlinable
    package mutating func messages<C, M>(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?,
        count: Int,
        _ make: (UnsafePointer<C>, inout ProtoDecodingContext) throws(ProtoDecodingError) -> M
    ) throws(ProtoDecodingError) -> [M] {
        guard let pointer, count > 0 else { return [] }
        var result: [M] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let element = pointer[index] else { throw .malformed }
            result.append(try make(element, &self))
        }
        return result
    }
}

package import CProtobufC
internal import Glibc

/// Copies fields of an unpacked protobuf-c message into Swift values, validating strings.
///
/// protobuf-c does not check that `string` fields are UTF-8; this does, so invalid
/// input becomes `ProtoDecodingError.invalidUTF8` instead of a corrupt `String`.
package struct ProtoDecodingContext {
    package init() {}

    package func string(_ pointer: UnsafeMutablePointer<CChar>?) throws(ProtoDecodingError) -> String {
        guard let pointer, pointer.pointee != 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return string
    }

    package func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int) throws(ProtoDecodingError) -> [String] {
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

    package func scalars<C, S>(_ pointer: UnsafeMutablePointer<C>?, count: Int, _ convert: (C) -> S) -> [S] {
        guard let pointer, count > 0 else { return [] }
        return UnsafeBufferPointer(start: pointer, count: count).map(convert)
    }

    package mutating func message<M: ProtoBridged>(_ pointer: UnsafeMutablePointer<M.CMessage>?, as type: M.Type) throws(ProtoDecodingError) -> M? {
        guard let pointer else { return nil }
        return try M(cMessage: pointer, context: &self)
    }

    package mutating func messages<M: ProtoBridged>(
        _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<M.CMessage>?>?, count: Int, as type: M.Type
    ) throws(ProtoDecodingError) -> [M] {
        guard let pointer, count > 0 else { return [] }
        var result: [M] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let element = pointer[index] else { throw .malformed }
            result.append(try M(cMessage: element, context: &self))
        }
        return result
    }
}

#!/usr/bin/env python3
"""Generates Swift bridging code for protobuf-c messages and PNRPC service stubs.

Input: a FileDescriptorSet written by `protoc-c --descriptor_set_out`. Output, per
.proto file: `<name>.pb.swift` (Swift value types that encode and decode through the
protobuf-c structs), `<name>.rpc.swift` (a server protocol and a typed client per
service), and `<name>.descriptors.h` (accessors for the C descriptors, for the C target).

The schema subset is deliberately small and checked: proto3; scalar, string, bytes,
enum and message fields, `repeated` of those; no oneof, maps, proto3
`optional`, or recursive messages (a recursive type lets hostile input recurse without
bound in protobuf-c's decoder). Anything else stops generation with an error.

Usage: protoc-gen-swift-bridge.py DESCRIPTOR_SET --file PROTO --c-dir DIR --c-module NAME
       --swift-dir DIR --services-dir DIR [--prefix PACKAGE=SwiftPrefix ...] [--import MODULE ...]
"""
import argparse
import os
import re
import sys

# --- a minimal protobuf wire decoder, enough for descriptor.proto -----------------


def read_varint(buf, pos):
    result, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def fields(buf):
    """Yields (field_number, wire_type, value) for a serialized message."""
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield number, wire, value


def decode(buf, schema):
    """Decodes `buf` into a dict; schema maps field number -> (name, kind, repeated)."""
    out = {name: ([] if rep else None) for (name, _, rep) in schema.values()}
    for number, _, value in fields(buf):
        if number not in schema:
            continue
        name, kind, rep = schema[number]
        if kind == "str":
            value = bytes(value).decode("utf-8")
        elif kind == "ints" and not isinstance(value, int):
            packed, pos = [], 0
            while pos < len(value):
                v, pos = read_varint(value, pos)
                packed.append(v)
            out[name].extend(packed)
            continue
        elif isinstance(kind, dict):
            value = decode(value, kind)
        if rep:
            out[name].append(value)
        else:
            out[name] = value
    return out


ENUM_VALUE = {1: ("name", "str", False), 2: ("number", "int", False)}
ENUM = {1: ("name", "str", False), 2: ("value", ENUM_VALUE, True)}
FIELD = {1: ("name", "str", False), 3: ("number", "int", False), 4: ("label", "int", False),
         5: ("type", "int", False), 6: ("type_name", "str", False), 9: ("oneof_index", "int", False),
         17: ("proto3_optional", "int", False), 10: ("json_name", "str", False)}
MESSAGE = {1: ("name", "str", False), 2: ("field", FIELD, True), 4: ("enum_type", ENUM, True),
           8: ("oneof_decl", {1: ("name", "str", False)}, True)}
MESSAGE[3] = ("nested_type", MESSAGE, True)
METHOD = {1: ("name", "str", False), 2: ("input_type", "str", False), 3: ("output_type", "str", False),
          5: ("client_streaming", "int", False), 6: ("server_streaming", "int", False)}
SERVICE = {1: ("name", "str", False), 2: ("method", METHOD, True)}
LOCATION = {1: ("path", "ints", True), 3: ("leading_comments", "str", False), 4: ("trailing_comments", "str", False)}
FILE = {1: ("name", "str", False), 2: ("package", "str", False), 4: ("message_type", MESSAGE, True),
        5: ("enum_type", ENUM, True), 6: ("service", SERVICE, True), 12: ("syntax", "str", False),
        9: ("source_code_info", {1: ("location", LOCATION, True)}, False)}
# Paths into FileDescriptorProto (and its parts) that source locations use.
P_MESSAGE, P_ENUM, P_SERVICE = 4, 5, 6
P_FIELD, P_NESTED, P_NESTED_ENUM, P_VALUE, P_METHOD = 2, 3, 4, 2, 2
FILE_SET = {1: ("file", FILE, True)}

# FieldDescriptorProto.Type
T_DOUBLE, T_FLOAT, T_INT64, T_UINT64, T_INT32 = 1, 2, 3, 4, 5
T_BOOL, T_STRING, T_MESSAGE, T_BYTES, T_UINT32, T_ENUM = 8, 9, 11, 12, 13, 14
SCALARS = {T_DOUBLE: "Double", T_FLOAT: "Float", T_INT64: "Int64", T_UINT64: "UInt64",
           T_INT32: "Int32", T_UINT32: "UInt32", T_BOOL: "Bool"}
LABEL_REPEATED = 3

SWIFT_KEYWORDS = {"default", "case", "switch", "class", "struct", "enum", "protocol", "func", "var",
                  "let", "in", "is", "as", "return", "self", "Type", "init", "import", "where", "repeat",
                  "internal", "public", "private", "operator", "extension", "static", "subscript"}


def fail(message):
    sys.exit("protoc-gen-swift-bridge: " + message)


# --- naming -------------------------------------------------------------------------


def camel_to_lower(name):
    """protoc-c's CamelToLower: FooBar -> foo_bar."""
    out, was_upper = "", True
    for ch in name:
        is_upper = ch.isupper()
        if is_upper:
            if not was_upper:
                out += "_"
            out += ch.lower()
        else:
            out += ch
        was_upper = is_upper
    return out


def to_camel(name):
    """protoc-c's ToCamel: foo_bar -> FooBar."""
    out, cap = "", True
    for ch in name:
        if ch == "_":
            cap = True
        elif cap:
            out += ch.upper()
            cap = False
        else:
            out += ch
    return out


def c_type_name(full_name):
    return "__".join(to_camel(p) for p in full_name.split("."))


def c_lower_name(full_name):
    return "__".join(camel_to_lower(p) for p in full_name.split("."))


def lower_camel(snake):
    parts = snake.split("_")
    name = parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    return "`%s`" % name if name in SWIFT_KEYWORDS else name


def enum_case_name(enum_name, value_name):
    """FRAME_TYPE_REQUEST in enum FrameType -> request; SERVING -> serving."""
    prefix = camel_to_lower(enum_name).upper() + "_"
    if value_name.startswith(prefix) and len(value_name) > len(prefix):
        value_name = value_name[len(prefix):]
    return lower_camel(value_name.lower())


# --- model ---------------------------------------------------------------------------


class Registry:
    """Every message and enum of the descriptor set, by full name."""

    def __init__(self, prefixes):
        self.messages, self.enums, self.swift_names = {}, {}, {}
        self.prefixes = prefixes

    def add_file(self, f):
        package = f["package"] or ""
        prefix = self.prefixes.get(package, "")
        for m in f["message_type"]:
            self._add_message(m, package, prefix + m["name"])
        for e in f["enum_type"]:
            full = package + "." + e["name"]
            self.enums[full] = e
            self.swift_names[full] = prefix + e["name"]

    def _add_message(self, m, scope, swift_name):
        full = scope + "." + m["name"]
        self.messages[full] = m
        self.swift_names[full] = swift_name
        for n in m["nested_type"]:
            self._add_message(n, full, swift_name + "." + n["name"])
        for e in m["enum_type"]:
            self.enums[full + "." + e["name"]] = e
            self.swift_names[full + "." + e["name"]] = swift_name + "." + e["name"]

    def swift(self, type_name):
        return self.swift_names[type_name.lstrip(".")]

    def check_no_recursion(self):
        def visit(name, stack):
            if name in stack:
                fail("recursive message type %s (cycle: %s)" % (name, " -> ".join(stack + [name])))
            for fld in self.messages[name]["field"]:
                if fld["type"] == T_MESSAGE:
                    visit(fld["type_name"].lstrip("."), stack + [name])
        for name in self.messages:
            visit(name, [])


def check_field(message_name, fld):
    where = "%s.%s" % (message_name, fld["name"])
    if fld["oneof_index"] is not None or fld["proto3_optional"]:
        fail("%s: oneof and proto3 optional are not supported" % where)
    t = fld["type"]
    if t not in SCALARS and t not in (T_STRING, T_BYTES, T_MESSAGE, T_ENUM):
        fail("%s: field type %d is not supported" % (where, t))


# --- Swift emission ------------------------------------------------------------------

# The .proto comments of the file being generated, by source path.
COMMENTS = {}


def load_comments(f):
    COMMENTS.clear()
    for loc in (f["source_code_info"] or {}).get("location", []):
        text = "\n".join(t.strip("\n") for t in (loc["leading_comments"], loc["trailing_comments"]) if t and t.strip())
        if text:
            COMMENTS[tuple(loc["path"])] = text


def doc(out, indent, path, fallback):
    """The .proto comment at `path` as `///` lines, then `fallback` (a line saying what it is)."""
    text = COMMENTS.get(tuple(path))
    if text:
        for line in text.split("\n"):
            line = line[1:] if line.startswith(" ") else line
            out.append(("%s/// %s" % (indent, line.rstrip())).rstrip())
        if fallback:
            out.append("%s///" % indent)
    if fallback:
        out.append("%s/// %s" % (indent, fallback))

HEADER = "// Generated by scripts/protoc-gen-swift-bridge.py from %s. DO NOT EDIT.\n"


def swift_field_type(reg, fld):
    t = fld["type"]
    if t in SCALARS:
        base = SCALARS[t]
    elif t == T_STRING:
        base = "String"
    elif t == T_BYTES:
        base = "[UInt8]"
    else:
        base = reg.swift(fld["type_name"])
    if fld["label"] == LABEL_REPEATED:
        return "[%s]" % base, "[]"
    if t == T_MESSAGE:
        return base + "?", "nil"
    if t == T_ENUM:
        return base, ".init(rawValue: 0)"
    defaults = {"String": '""', "[UInt8]": "[]", "Bool": "false"}
    return base, defaults.get(base, "0")


def enum_name_prefix(e):
    """The prefix every value's name shares, e.g. ROLE_ for enum Role (or "")."""
    prefix = camel_to_lower(e["name"]).upper() + "_"
    return prefix if all(v["name"].startswith(prefix) for v in e["value"]) else ""


def emit_enum(out, indent, name, e, doc_name, path):
    cases = [(enum_case_name(e["name"], v["name"]), v["number"]) for v in e["value"]]
    doc(out, indent, path, "The proto enum `%s`; values this build does not know are kept as `.unrecognized`." % doc_name)
    out.append("%spublic enum %s: ProtoEnum {" % (indent, name))
    for j, (case, _) in enumerate(cases):
        doc(out, indent + "    ", path + [P_VALUE, j], None)
        out.append("%s    case %s" % (indent, case))
    out.append("%s    /// A value this build does not know, kept as its number." % indent)
    out.append("%s    case unrecognized(Int32)" % indent)
    out.append("")
    out.append("%s    /// Every value the .proto declares, in its order." % indent)
    out.append("%s    public static let declaredValues: [Self] = [%s]" % (indent, ", ".join("." + c for c, _ in cases)))
    out.append("")
    out.append("%s    /// The prefix the names of its values share." % indent)
    out.append('%s    public static let protoNamePrefix = "%s"' % (indent, enum_name_prefix(e)))
    out.append("")
    out.append("%s    /// The value with this number (`.unrecognized` when the .proto has none)." % indent)
    out.append("%s    public init(rawValue: Int32) {" % indent)
    out.append("%s        switch rawValue {" % indent)
    for case, number in cases:
        out.append("%s        case %d: self = .%s" % (indent, number, case))
    out.append("%s        default: self = .unrecognized(rawValue)" % indent)
    out.append("%s        }" % indent)
    out.append("%s    }" % indent)
    out.append("")
    out.append("%s    /// The value's number on the wire." % indent)
    out.append("%s    public var rawValue: Int32 {" % indent)
    out.append("%s        switch self {" % indent)
    for case, number in cases:
        out.append("%s        case .%s: return %d" % (indent, case, number))
    out.append("%s        case .unrecognized(let value): return value" % indent)
    out.append("%s        }" % indent)
    out.append("%s    }" % indent)
    out.append("")
    out.append("%s    /// The value's name in the .proto file (its number when unrecognized)." % indent)
    out.append("%s    public var protoName: String {" % indent)
    out.append("%s        switch self {" % indent)
    for (case, _), v in zip(cases, e["value"]):
        out.append('%s        case .%s: return "%s"' % (indent, case, v["name"]))
    out.append("%s        case .unrecognized(let value): return String(value)" % indent)
    out.append("%s        }" % indent)
    out.append("%s    }" % indent)
    out.append("%s}" % indent)


def emit_message(out, reg, m, full, indent, path):
    swift_name = reg.swift(full).split(".")[-1]
    doc(out, indent, path, "The proto message `%s`." % full)
    out.append("%spublic struct %s: ProtoMessage {" % (indent, swift_name))
    for j, fld in enumerate(m["field"]):
        check_field(full, fld)
        ftype, default = swift_field_type(reg, fld)
        doc(out, indent + "    ", path + [P_FIELD, j], None)
        out.append("%s    public var %s: %s = %s" % (indent, lower_camel(fld["name"]), ftype, default))
    out.append("")
    out.append("%s    /// A message with every field at its default value." % indent)
    out.append("%s    public init() {}" % indent)
    out.append("")
    out.append("%s    /// Decodes the protobuf encoding in `bytes`, within `limits`." % indent)
    out.append("%s    public init(serializedBytes bytes: UnsafeRawBufferPointer, limits: DecodingLimits) throws(ProtoDecodingError) {" % indent)
    out.append("%s        var decoded = Self()" % indent)
    out.append("%s        try protoUnpack(bytes, limits: limits, descriptor: Self.cDescriptor) { message, context throws(ProtoDecodingError) in" % indent)
    out.append("%s            decoded = try Self(cMessage: message.assumingMemoryBound(to: CMessage.self), context: &context)" % indent)
    out.append("%s        }" % indent)
    out.append("%s        self = decoded" % indent)
    out.append("%s    }" % indent)
    out.append("")
    out.append("%s    /// Appends the protobuf encoding of this message to `output`." % indent)
    out.append("%s    public func serialize(into output: inout some ProtoOutput) {" % indent)
    out.append("%s        let stringsWhole = protoPack(" % indent)
    out.append("%s            messageSize: MemoryLayout<CMessage>.stride," % indent)
    out.append("%s            fill: { message, arena in self.fill(message.bindMemory(to: CMessage.self, capacity: 1), arena: arena) }," % indent)
    out.append("%s            output: { count, write in output.appendSerialized(count: count, write) })" % indent)
    out.append("%s        if !stringsWhole { output.stringHeldNUL() }" % indent)
    out.append("%s    }" % indent)
    for k, e in enumerate(m["enum_type"]):
        out.append("")
        emit_enum(out, indent + "    ", e["name"], e, full + "." + e["name"], path + [P_NESTED_ENUM, k])
    for k, n in enumerate(m["nested_type"]):
        out.append("")
        emit_message(out, reg, n, full + "." + n["name"], indent + "    ", path + [P_NESTED, k])
    out.append("%s}" % indent)


def emit_bridge(out, reg, m, full):
    swift_name = reg.swift(full)
    ctype = c_type_name(full)
    out.append("")
    out.append("extension %s: ProtoBridged {" % swift_name)
    out.append("    package typealias CMessage = %s" % ctype)
    out.append("")
    out.append("    package static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor> {")
    out.append("        pnbridge_descriptor_%s()" % c_lower_name(full))
    out.append("    }")
    out.append("")
    out.append("    package init(cMessage message: UnsafePointer<%s>, context: inout ProtoDecodingContext) throws(ProtoDecodingError) {" % ctype)
    out.append("        self.init()")
    if m["field"]:
        out.append("        let m = message.pointee")
    for fld in m["field"]:
        name, c = lower_camel(fld["name"]), fld["name"]
        rep, t = fld["label"] == LABEL_REPEATED, fld["type"]
        if t in SCALARS and not rep:
            expr = "m.%s != 0" % c if t == T_BOOL else "m.%s" % c
        elif t in SCALARS:
            conv = "{ $0 != 0 }" if t == T_BOOL else "{ $0 }"
            expr = "context.scalars(m.%s, count: m.n_%s, %s)" % (c, c, conv)
        elif t == T_ENUM and rep:
            expr = "context.scalars(m.%s, count: m.n_%s) { .init(rawValue: Int32(bitPattern: $0.rawValue)) }" % (c, c)
        elif t == T_ENUM:
            expr = ".init(rawValue: Int32(bitPattern: m.%s.rawValue))" % c
        elif t == T_STRING:
            expr = ("try context.strings(m.%s, count: m.n_%s)" if rep else "try context.string(m.%s)") % ((c, c) if rep else (c,))
        elif t == T_BYTES:
            expr = ("context.byteArrays(m.%s, count: m.n_%s)" if rep else "context.bytes(m.%s)") % ((c, c) if rep else (c,))
        else:
            mt = reg.swift(fld["type_name"])
            if rep:
                expr = "try context.messages(m.%s, count: m.n_%s) { message, context throws(ProtoDecodingError) in try %s(cMessage: message, context: &context) }" % (c, c, mt)
            else:
                expr = "try context.message(m.%s) { message, context throws(ProtoDecodingError) in try %s(cMessage: message, context: &context) }" % (c, mt)
        out.append("        self.%s = %s" % (name, expr))
    out.append("    }")
    out.append("")
    out.append("    package func fill(_ message: UnsafeMutablePointer<%s>, arena: ProtoArena) {" % ctype)
    out.append("        protobuf_c_message_init(Self.cDescriptor, message)")
    for fld in m["field"]:
        name, c = "self." + lower_camel(fld["name"]), fld["name"]
        rep, t = fld["label"] == LABEL_REPEATED, fld["type"]
        target = "message.pointee.%s" % c
        if t in SCALARS and not rep:
            expr = "%s ? 1 : 0" % name if t == T_BOOL else name
            out.append("        %s = %s" % (target, expr))
        elif t in SCALARS:
            conv = "{ $0 ? 1 : 0 }" if t == T_BOOL else "{ $0 }"
            out.append("        (message.pointee.n_%s, %s) = arena.scalars(%s, %s)" % (c, target, name, conv))
        elif t == T_ENUM and rep:
            out.append("        (message.pointee.n_%s, %s) = arena.scalars(%s) { .init(rawValue: UInt32(bitPattern: $0.rawValue)) }" % (c, target, name))
        elif t == T_ENUM:
            out.append("        %s = .init(rawValue: UInt32(bitPattern: %s.rawValue))" % (target, name))
        elif t == T_STRING:
            if rep:
                out.append("        (message.pointee.n_%s, %s) = arena.strings(%s)" % (c, target, name))
            else:
                out.append("        %s = arena.string(%s)" % (target, name))
        elif t == T_BYTES:
            if rep:
                out.append("        (message.pointee.n_%s, %s) = arena.byteArrays(%s)" % (c, target, name))
            else:
                out.append("        %s = arena.bytes(%s)" % (target, name))
        else:
            if rep:
                out.append("        (message.pointee.n_%s, %s) = arena.messages(%s) { $0.fill($1, arena: arena) }" % (c, target, name))
            else:
                out.append("        %s = arena.message(%s) { $0.fill($1, arena: arena) }" % (target, name))
    out.append("    }")
    out.append("}")


def json_expr(reg, fld, name):
    t, rep = fld["type"], fld["label"] == LABEL_REPEATED
    def one(v):
        if t == T_BOOL:
            return ".bool(%s)" % v
        if t in (T_INT64, T_UINT64):
            return ".string(String(%s))" % v
        if t in (T_INT32, T_UINT32):
            return ".integer(Int64(%s))" % v
        if t in (T_DOUBLE, T_FLOAT):
            return ".double(Double(%s))" % v
        if t == T_STRING:
            return ".string(%s)" % v
        if t == T_BYTES:
            return ".string(JSONValue.base64(%s))" % v
        if t == T_ENUM:
            return ".string(%s.protoName)" % v
        return "%s.jsonValue" % v
    if rep:
        return ".array(%s.map { %s })" % (name, one("$0"))
    if t == T_MESSAGE:
        return "%s.map { $0.jsonValue } ?? .null" % name
    return one(name)


def emit_json(out, reg, m, full):
    out.append("")
    out.append("extension %s: JSONRepresentable {" % reg.swift(full))
    out.append("    /// The proto3 JSON form, every field included.")
    out.append("    public var jsonValue: JSONValue {")
    if not m["field"]:
        out.append("        .object([])")
    else:
        out.append("        .object([")
        for fld in m["field"]:
            json_name = fld["json_name"] or lower_camel(fld["name"]).strip("`")
            out.append('            ("%s", %s),' % (json_name, json_expr(reg, fld, "self." + lower_camel(fld["name"]))))
        out.append("        ])")
    out.append("    }")
    out.append("}")


def json_read_expr(reg, fld):
    """The expression reading one value `v` at path `p` into the field's Swift type."""
    t = fld["type"]
    if t == T_BOOL:
        return "try v.protoBool(at: p)"
    if t in (T_INT64, T_UINT64, T_INT32, T_UINT32):
        return "try v.protoInteger(at: p)"
    if t == T_DOUBLE:
        return "try v.protoDouble(at: p)"
    if t == T_FLOAT:
        return "Float(try v.protoDouble(at: p))"
    if t == T_STRING:
        return "try v.protoString(at: p)"
    if t == T_BYTES:
        return "try v.protoBytes(at: p)"
    if t == T_ENUM:
        return "try v.protoEnum(at: p)"
    return "try %s(json: v, path: p)" % reg.swift(fld["type_name"])


def emit_json_decoding(out, reg, m, full):
    out.append("")
    out.append("extension %s: JSONDecodableMessage {" % reg.swift(full))
    out.append("    /// Reads the proto3 JSON form: field names in lowerCamelCase or as in the .proto,")
    out.append("    /// `null` for a default; an unknown field or a value of the wrong type is an error.")
    out.append("    public init(json: JSONValue, path: String) throws(JSONMappingError) {")
    out.append("        self.init()")
    fields = m["field"]
    if not fields:
        out.append("        for (key, _) in try json.protoObject(at: path) {")
        out.append("            throw JSONMappingError(path: path.isEmpty ? key : path + \".\" + key, problem: \"unknown field\")")
        out.append("        }")
    else:
        out.append("        for (key, value) in try json.protoObject(at: path) {")
        out.append("            let fieldPath = path.isEmpty ? key : path + \".\" + key")
        out.append("            switch key {")
        for fld in fields:
            json_name = fld["json_name"] or lower_camel(fld["name"]).strip("`")
            names = [json_name] if json_name == fld["name"] else [json_name, fld["name"]]
            target = "self." + lower_camel(fld["name"])
            read = json_read_expr(reg, fld)
            swift_type = swift_field_type(reg, fld)[0]
            element = swift_type[1:-1] if swift_type.startswith("[") and fld["label"] == LABEL_REPEATED else swift_type.rstrip("?")
            out.append("            case %s:" % ", ".join('"%s"' % n for n in names))
            if fld["label"] == LABEL_REPEATED:
                out.append("                %s = try value.protoArray(at: fieldPath) { v, p throws(JSONMappingError) -> %s in %s }" % (target, element, read))
            elif fld["type"] == T_MESSAGE:
                out.append("                %s = try value.protoOptional(at: fieldPath) { v, p throws(JSONMappingError) -> %s in %s }" % (target, element, read))
            else:
                out.append("                if let read = try value.protoOptional(at: fieldPath, { v, p throws(JSONMappingError) -> %s in %s }) { %s = read }" % (element, read, target))
        out.append("            default:")
        out.append("                throw JSONMappingError(path: fieldPath, problem: \"unknown field\")")
        out.append("            }")
        out.append("        }")
    out.append("    }")
    out.append("}")


def all_messages(messages, scope):
    for m in messages:
        full = scope + "." + m["name"]
        yield m, full
        yield from all_messages(m["nested_type"], full)


def emit_messages_file(reg, f, imports, c_module):
    package = f["package"]
    out = [HEADER % f["name"], "package import CProtobufC", "package import %s" % c_module, "import ProtoBridge"]
    out += ["import %s" % i for i in imports]
    prefix = reg.prefixes.get(package, "")
    for i, e in enumerate(f["enum_type"]):
        out.append("")
        emit_enum(out, "", prefix + e["name"], e, package + "." + e["name"], [P_ENUM, i])
    for i, m in enumerate(f["message_type"]):
        out.append("")
        emit_message(out, reg, m, package + "." + m["name"], "", [P_MESSAGE, i])
    for m, full in all_messages(f["message_type"], package):
        emit_bridge(out, reg, m, full)
        emit_json(out, reg, m, full)
        emit_json_decoding(out, reg, m, full)
    return "\n".join(out) + "\n"


def emit_descriptors_header(f):
    guard = "PNBRIDGE_" + re.sub(r"[^A-Za-z0-9]", "_", f["name"]).upper()
    header = f["name"].replace(".proto", ".pb-c.h")
    out = ["/* Generated by scripts/protoc-gen-swift-bridge.py from %s. DO NOT EDIT. */" % f["name"],
           "/* Swift cannot take the address of a C global; these accessors can. */",
           "#ifndef " + guard, "#define " + guard, '#include "%s"' % header, ""]
    for _, full in all_messages(f["message_type"], f["package"]):
        lower = c_lower_name(full)
        out.append("static inline const ProtobufCMessageDescriptor *pnbridge_descriptor_%s(void) {" % lower)
        out.append("    return &%s__descriptor;" % lower)
        out.append("}")
    out.append("#endif")
    return "\n".join(out) + "\n"


def emit_services_file(reg, f, imports, module):
    runtime = [] if module == "RPCCore" else ["import RPCCore"]
    out = [HEADER % f["name"], "import ProtoBridge"] + runtime + ["import %s" % i for i in imports]
    for i, s in enumerate(f["service"]):
        service_full = f["package"] + "." + s["name"]
        name = s["name"]
        methods = []
        for meth in s["method"]:
            if meth["client_streaming"]:
                fail("%s.%s: client streaming is not supported" % (service_full, meth["name"]))
            methods.append((meth["name"], lower_camel(camel_to_lower(meth["name"])),
                            reg.swift(meth["input_type"]), reg.swift(meth["output_type"]),
                            bool(meth["server_streaming"])))
        method_paths = [[P_SERVICE, i, P_METHOD, j] for j in range(len(methods))]
        out.append("")
        out.append("/// The methods of `%s`, for routing and for callers." % service_full)
        out.append("public enum %sMethods {" % name)
        for mname, swift, req, res, streaming in methods:
            kind = "ServerStreamingMethod" if streaming else "UnaryMethod"
            out.append('    public static let %s = %s<%s, %s>(service: "%s", method: "%s")' % (swift, kind, req, res, service_full, mname))
        out.append("    /// Every method with its proto3 JSON mapping, for JSON transports.")
        out.append("    public static let jsonTranscoders: [JSONTranscoder] = [")
        for mname, swift, req, res, streaming in methods:
            out.append("        JSONTranscoder(%s)," % swift)
        out.append("    ]")
        out.append("}")
        out.append("")
        doc(out, "", [P_SERVICE, i], "Implement this to serve `%s`; register it with a server's router." % service_full)
        out.append("public protocol %sService: RPCService {" % name)
        for (mname, swift, req, res, streaming), mpath in zip(methods, method_paths):
            if streaming:
                doc(out, "    ", mpath, "`%s` (server streaming): write responses to `responses`; return to end the call." % mname)
                out.append("    func %s(request: %s, context: ServerContext, responses: ResponseStreamWriter<%s>) async throws" % (swift, req, res))
            else:
                doc(out, "    ", mpath, "`%s`: answer `request` or throw (an `RPCError`, or a domain error convertible to one)." % mname)
                out.append("    func %s(request: %s, context: ServerContext) async throws -> %s" % (swift, req, res))
        out.append("}")
        out.append("")
        out.append("extension %sService {" % name)
        out.append("    /// One handler per method of `%s`." % service_full)
        out.append("    public var methodHandlers: [RPCMethodHandler] {")
        out.append("        [")
        for mname, swift, req, res, streaming in methods:
            if streaming:
                out.append("            RPCMethodHandler(%sMethods.%s) { request, context, responses in" % (name, swift))
                out.append("                try await self.%s(request: request, context: context, responses: responses)" % swift)
            else:
                out.append("            RPCMethodHandler(%sMethods.%s) { request, context in" % (name, swift))
                out.append("                try await self.%s(request: request, context: context)" % swift)
            out.append("            },")
        out.append("        ]")
        out.append("    }")
        out.append("")
        out.append("    /// The JSON mapping of every method of `%s`." % service_full)
        out.append("    public var jsonTranscoders: [JSONTranscoder] { %sMethods.jsonTranscoders }" % name)
        out.append("}")
        out.append("")
        doc(out, "", [P_SERVICE, i], "A typed client of `%s` over any `RPCCaller` (a connection, or in-process)." % service_full)
        out.append("public struct %sClient: Sendable {" % name)
        out.append("    /// What carries the calls.")
        out.append("    public let caller: any RPCCaller")
        out.append("")
        out.append("    /// A client that sends its calls through `caller`.")
        out.append("    public init(_ caller: any RPCCaller) {")
        out.append("        self.caller = caller")
        out.append("    }")
        for (mname, swift, req, res, streaming), mpath in zip(methods, method_paths):
            out.append("")
            if streaming:
                doc(out, "    ", mpath, "Calls `%s`; the stream ends when the call does and throws `RPCError` if it fails." % mname)
                out.append("    public func %s(_ request: %s, options: CallOptions = .init()) -> RPCResponseStream<%s> {" % (swift, req, res))
                out.append("        caller.serverStreaming(%sMethods.%s, request: request, options: options)" % (name, swift))
            else:
                doc(out, "    ", mpath, "Calls `%s`. Throws `RPCError` with the call's status when it is not OK." % mname)
                out.append("    public func %s(_ request: %s, options: CallOptions = .init()) async throws(RPCError) -> %s {" % (swift, req, res))
                out.append("        try await caller.unary(%sMethods.%s, request: request, options: options)" % (name, swift))
            out.append("    }")
        out.append("}")
    return "\n".join(out) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("descriptor_set")
    ap.add_argument("--file", action="append", required=True, help="a .proto file to generate for")
    ap.add_argument("--c-dir", required=True, help="the C target's include directory")
    ap.add_argument("--c-module", required=True)
    ap.add_argument("--swift-dir", required=True)
    ap.add_argument("--services-dir", required=True)
    ap.add_argument("--prefix", action="append", default=[], help="PACKAGE=SwiftPrefix")
    ap.add_argument("--import", dest="imports", action="append", default=[])
    ap.add_argument("--services-import", action="append", default=[])
    args = ap.parse_args()

    with open(args.descriptor_set, "rb") as fh:
        file_set = decode(fh.read(), FILE_SET)
    reg = Registry(dict(p.split("=", 1) for p in args.prefix))
    for f in file_set["file"]:
        if f["syntax"] != "proto3":
            fail("%s: only proto3 is supported" % f["name"])
        reg.add_file(f)
    reg.check_no_recursion()
    for f in file_set["file"]:
        if f["name"] not in args.file:
            continue
        load_comments(f)
        stem = os.path.splitext(os.path.basename(f["name"]))[0]
        swift_stem = "".join(to_camel(p) for p in f["package"].split(".")) + to_camel(stem)
        write(os.path.join(args.swift_dir, swift_stem + ".pb.swift"),
              emit_messages_file(reg, f, args.imports, args.c_module))
        write(os.path.join(args.c_dir, f["name"].replace(".proto", ".descriptors.h")), emit_descriptors_header(f))
        if f["service"]:
            write(os.path.join(args.services_dir, swift_stem + ".rpc.swift"),
                  emit_services_file(reg, f, args.services_import,
                                     os.path.basename(os.path.dirname(os.path.abspath(args.services_dir)))))


if __name__ == "__main__":
    main()

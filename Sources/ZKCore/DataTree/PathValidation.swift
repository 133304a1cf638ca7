/// Why a znode path was rejected, with the UTF-16 offset of the offending character where there is one.
///
/// The cases and their `description` follow the reasons ZooKeeper's `PathUtils.validatePath` gives, so
/// the CLI can print the same one-line message a Java client would.
public enum PathError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path is the empty string.
    case empty
    /// The first character is not `/`.
    case notAbsolute
    /// The path is longer than `/` and ends with `/`.
    case trailingSlash
    /// A NUL character at this offset.
    case nullCharacter(at: Int)
    /// Two consecutive slashes; the second is at this offset.
    case emptySegment(at: Int)
    /// A segment equal to `.` or `..`; the offset is its last dot.
    case relativeSegment(at: Int)
    /// A control, surrogate, private-use or U+FFF0–U+FFFF code unit at this offset.
    case invalidCharacter(at: Int)

    /// The reason text of the matching `IllegalArgumentException`.
    public var description: String {
        switch self {
        case .empty: return "Path length must be > 0"
        case .notAbsolute: return "Path must start with / character"
        case .trailingSlash: return "Path must not end with / character"
        case .nullCharacter(let at): return "null character not allowed @\(at)"
        case .emptySegment(let at): return "empty node name specified @\(at)"
        case .relativeSegment(let at): return "relative paths not allowed @\(at)"
        case .invalidCharacter(let at): return "invalid character @\(at)"
        }
    }

    /// The full message ZooKeeper builds, which quotes the path for the per-character reasons.
    public func message(for path: String) -> String {
        switch self {
        case .empty, .notAbsolute, .trailingSlash:
            return description
        case .nullCharacter, .emptySegment, .relativeSegment, .invalidCharacter:
            return "Invalid path string \"\(path)\" caused by \(description)"
        }
    }
}

/// Znode path rules: validation, parent and name derivation, sequential suffixes, special nodes.
///
/// Mirrors ZooKeeper's `PathUtils.validatePath` and the path handling in
/// `PrepRequestProcessor` (spec `client-protocol.md` §6 and §7). Characters are judged as UTF-16
/// code units, as Java does, so any character outside the Basic Multilingual Plane (a surrogate pair)
/// is rejected.
public enum PathValidation {
    /// Nodes that can never be deleted (`DataTree.isSpecialPath`): delete answers BadArguments.
    public static let undeletableNodes: Set<String> = ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"]

    /// Whether `path` names one of the built-in nodes that delete must refuse.
    public static func isUndeletable(_ path: String) -> Bool { undeletableNodes.contains(path) }

    /// Checks `path` against every rule of §6; throws the first violation found, scanning left to right.
    public static func check(_ path: String) throws(PathError) {
        let units = Array(path.utf16)
        let slash = UInt16(UInt8(ascii: "/"))
        let dot = UInt16(UInt8(ascii: "."))
        guard let first = units.first else { throw .empty }
        guard first == slash else { throw .notAbsolute }
        if units.count == 1 { return }
        guard units[units.count - 1] != slash else { throw .trailingSlash }

        for i in 1..<units.count {
            let c = units[i]
            let previous = units[i - 1]
            let endsSegment = i + 1 == units.count || units[i + 1] == slash
            if c == 0 {
                throw .nullCharacter(at: i)
            } else if c == slash && previous == slash {
                throw .emptySegment(at: i)
            } else if c == dot && previous == dot {
                // Second dot of a segment that is exactly "..".
                if units[i - 2] == slash && endsSegment { throw .relativeSegment(at: i) }
            } else if c == dot {
                // A segment that is exactly ".".
                if previous == slash && endsSegment { throw .relativeSegment(at: i) }
            } else if isForbidden(c) {
                throw .invalidCharacter(at: i)
            }
        }
    }

    /// Whether `path` is a valid znode path (`check` throws nothing).
    public static func validate(_ path: String) -> Bool {
        do { try check(path) } catch { return false }
        return true
    }

    /// The code units `PathUtils` refuses besides NUL: C0 and C1 controls, DEL, surrogates and the
    /// private use area, and the specials block.
    private static func isForbidden(_ c: UInt16) -> Bool {
        (0x0001...0x001F).contains(c) || (0x007F...0x009F).contains(c)
            || (0xD800...0xF8FF).contains(c) || (0xFFF0...0xFFFF).contains(c)
    }

    /// The parent path as create and delete derive it: everything before the last `/`.
    ///
    /// Returns nil when there is no `/` or the path holds a NUL (the request is then BadArguments,
    /// `PrepRequestProcessor.validatePathForCreate`). ZooKeeper's derivation yields `""` for `/a` and
    /// for `/` itself, and the tree aliases `""` to the root; this returns the canonical `/` instead.
    /// So `parent(of: "/")` is `/`: a create of `/` then finds the node and answers NodeExists, as
    /// ZooKeeper does.
    public static func parent(of path: String) -> String? {
        let utf8 = path.utf8
        guard !utf8.contains(0), let lastSlash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        if lastSlash == utf8.startIndex { return "/" }
        return String(path[..<lastSlash])
    }

    /// The node's own name: everything after the last `/` (`""` for the root); nil without a `/`.
    public static func lastComponent(of path: String) -> String? {
        let utf8 = path.utf8
        guard let lastSlash = utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return String(path[utf8.index(after: lastSlash)...])
    }

    /// The suffix appended to a sequential node's name: Java's `%010d` of the parent's stored cversion.
    ///
    /// Zero-padded to a width of 10 that includes the sign, so -1 prints as `-000000001`; values
    /// needing more than 10 characters (only `Int32.min`) are printed in full.
    public static func sequentialSuffix(_ cversion: Int32) -> String {
        let magnitude = String(cversion.magnitude)
        let sign = cversion < 0 ? "-" : ""
        let padding = max(0, 10 - sign.count - magnitude.count)
        return sign + String(repeating: "0", count: padding) + magnitude
    }
}

/// Where the uncompressed bytes of a snapshot come from, in pieces.
enum SnapshotSource {
    /// Bytes already in memory (tests, snapshots received whole).
    case bytes([UInt8])
    /// A plain file read in large pieces.
    case file(SnapshotPosixFile)
    /// A gzip file inflated piece by piece.
    case gzip(SnapshotPosixFile, SnapshotGzipDecoder)

    /// Size of each read from disk.
    static let readSize = 1 << 20
}

/// A Jute reader over a snapshot stream that keeps only a window of the file in memory and keeps
/// the running Adler-32 of every byte consumed (ZooKeeper's `CheckedInputStream` under a
/// `BinaryInputArchive`), so a seal can be checked against exactly the bytes before it.
///
/// Offsets in errors count uncompressed bytes from the start of the stream.
struct SnapshotInput {
    let file: String
    /// Largest buffer or string accepted: `jute.maxbuffer` plus its equal extra allowance.
    let maxBufferLength: Int
    private var source: SnapshotSource
    private var sourceDone = false
    private var window: [UInt8] = []
    private var position = 0
    /// Offset in the stream of `window[0]`.
    private var base = 0
    /// Window index up to which bytes have been fed to `checksum`.
    private var summed = 0
    private var checksum = SnapshotChecksum()

    init(file: String, source: SnapshotSource, maxBufferLength: Int = Limits.juteMaxBufferDefault) {
        self.file = file
        self.source = source
        self.maxBufferLength = maxBufferLength + max(maxBufferLength, 1024)
    }

    /// Offset in the stream of the next unread byte.
    var offset: Int { base + position }

    /// The Adler-32 of every byte consumed so far.
    mutating func checksumValue() -> UInt32 {
        checksum.update(window[summed..<position])
        summed = position
        return checksum.value
    }

    /// True when no byte is left.
    mutating func isAtEnd() throws(SnapshotError) -> Bool {
        try fill(1)
        return position >= window.count
    }

    /// Makes `count` bytes available unless the stream ends first; returns how many are.
    @discardableResult
    private mutating func fill(_ count: Int) throws(SnapshotError) -> Int {
        while window.count - position < count && !sourceDone {
            // Drop consumed bytes (after summing them) so the window stays small.
            if position > 0 {
                checksum.update(window[summed..<position])
                window.removeFirst(position)
                base += position
                position = 0
                summed = 0
            }
            let piece = try nextPiece()
            if piece.isEmpty { sourceDone = true } else { window.append(contentsOf: piece) }
        }
        return window.count - position
    }

    private mutating func nextPiece() throws(SnapshotError) -> [UInt8] {
        switch source {
        case .bytes(let bytes):
            source = .bytes([])
            return bytes
        case .file(let handle):
            return try handle.read(upTo: SnapshotSource.readSize)
        case .gzip(let handle, let decoder):
            while true {
                let compressed = try handle.read(upTo: SnapshotSource.readSize)
                if compressed.isEmpty {
                    try decoder.finish()
                    return []
                }
                let plain = try decoder.decompress(compressed)
                if !plain.isEmpty { return plain }
            }
        }
    }

    private mutating func need(_ count: Int) throws(SnapshotError) {
        let available = try fill(count)
        if available < count {
            throw .corrupt(file: file, offset: offset,
                           reason: "truncated: needed \(count) bytes, \(available) left")
        }
    }

    /// Reads `count` raw bytes.
    mutating func readRaw(_ count: Int) throws(SnapshotError) -> ArraySlice<UInt8> {
        try need(count)
        defer { position += count }
        return window[position..<position + count]
    }

    mutating func readInt() throws(SnapshotError) -> Int32 {
        try need(4)
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(window[position + i]) }
        position += 4
        return Int32(bitPattern: value)
    }

    mutating func readLong() throws(SnapshotError) -> Int64 {
        try need(8)
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(window[position + i]) }
        position += 8
        return Int64(bitPattern: value)
    }

    private mutating func readLength() throws(SnapshotError) -> Int? {
        let at = offset
        let length = try readInt()
        if length == -1 { return nil }
        guard length >= 0, Int(length) <= maxBufferLength else {
            throw .corrupt(file: file, offset: at, reason: "unreasonable length \(length)")
        }
        return Int(length)
    }

    /// Reads a length-prefixed buffer; -1 is nil.
    mutating func readBuffer() throws(SnapshotError) -> [UInt8]? {
        guard let length = try readLength() else { return nil }
        return Array(try readRaw(length))
    }

    /// Reads a length-prefixed UTF-8 string; -1 is nil.
    mutating func readString() throws(SnapshotError) -> String? {
        guard let length = try readLength() else { return nil }
        return String(decoding: try readRaw(length), as: UTF8.self)
    }

    /// Decodes a fixed-size Jute record from the next `size` bytes.
    mutating func readRecord<R: JuteDecodable>(_ type: R.Type, size: Int) throws(SnapshotError) -> R {
        let at = offset
        let raw = Array(try readRaw(size))
        do {
            return try R(juteBytes: raw)
        } catch {
            throw .corrupt(file: file, offset: at, reason: error.description)
        }
    }

    /// Reads one ACL (`perms`, `scheme`, `id`).
    mutating func readACL() throws(SnapshotError) -> ACL {
        let perms = try readInt()
        let scheme = try readString() ?? ""
        let id = try readString() ?? ""
        return ACL(perms: Perms(rawValue: perms), id: Id(scheme: scheme, id: id))
    }
}

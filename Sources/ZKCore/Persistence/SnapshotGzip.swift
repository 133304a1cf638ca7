import CZlib

/// Streams bytes into gzip format for `snapshot.compression.method=gz` (ZooKeeper wraps the file
/// in `java.util.zip.GZIPOutputStream`; any conforming gzip member reads back the same).
///
/// Feed uncompressed chunks with `compress`, then call `finish` once for the trailer.
final class SnapshotGzipEncoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private var finished = false

    /// Starts a gzip member at zlib's default level.
    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
        let status = deflateInit2_(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                                   Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib deflateInit2 failed: \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses a chunk; returns whatever compressed output is ready (possibly nothing).
    func compress(_ bytes: [UInt8]) -> [UInt8] {
        precondition(!finished, "gzip stream already finished")
        return run(bytes, flush: Z_NO_FLUSH)
    }

    /// Ends the member: flushes the rest and appends the CRC/size trailer.
    func finish() -> [UInt8] {
        precondition(!finished, "gzip stream already finished")
        finished = true
        return run([], flush: Z_FINISH)
    }

    private func run(_ input: [UInt8], flush: Int32) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        input.withUnsafeBufferPointer { inBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.pointee.avail_in = uInt(inBuffer.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = uInt(outBuffer.count)
                    let status = deflate(stream, flush)
                    precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR,
                                 "zlib deflate failed: \(status)")
                    return outBuffer.count - Int(stream.pointee.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
            } while stream.pointee.avail_out == 0
            stream.pointee.next_in = nil
        }
        return output
    }
}

/// Inflates a gzip file fed in pieces, including files of several concatenated members, as
/// `java.util.zip.GZIPInputStream` reads them.
final class SnapshotGzipDecoder {
    private let stream: UnsafeMutablePointer<z_stream>
    private let file: String
    /// True between members: the next byte must start a new member or be the end.
    private(set) var atMemberBoundary = true

    init(file: String) {
        self.file = file
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: gzip wrapper only.
        let status = inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib inflateInit2 failed: \(status)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates a piece of the compressed file and returns the bytes it yields.
    func decompress(_ input: [UInt8]) throws(SnapshotError) -> [UInt8] {
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        var failure: SnapshotError?
        input.withUnsafeBufferPointer { inBuffer in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.pointee.avail_in = uInt(inBuffer.count)
            while stream.pointee.avail_in > 0 || !atMemberBoundary {
                if atMemberBoundary { atMemberBoundary = false }
                var status: Int32 = Z_OK
                let produced = chunk.withUnsafeMutableBufferPointer { outBuffer -> Int in
                    stream.pointee.next_out = outBuffer.baseAddress
                    stream.pointee.avail_out = uInt(outBuffer.count)
                    status = inflate(stream, Z_NO_FLUSH)
                    return outBuffer.count - Int(stream.pointee.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END {
                    atMemberBoundary = true
                    inflateReset(stream)
                    continue
                }
                if status == Z_BUF_ERROR || (status == Z_OK && produced == 0 && stream.pointee.avail_in == 0) {
                    break  // needs more input
                }
                if status != Z_OK {
                    let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    failure = .decompression(file: file, reason: reason)
                    break
                }
            }
            stream.pointee.next_in = nil
        }
        if let failure { throw failure }
        return output
    }

    /// Checks that the input ended on a member boundary (not in the middle of one).
    func finish() throws(SnapshotError) {
        guard atMemberBoundary else {
            throw .decompression(file: file, reason: "unexpected end of file inside a gzip member")
        }
    }
}

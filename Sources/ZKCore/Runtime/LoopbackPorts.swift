import Foundation

/// TCP ports on a loopback address: is one free, and a set of free ones for a local ensemble.
///
/// A port is tested by binding it and closing the socket at once, with SO_REUSEADDR as the
/// servers bind: a port whose old connections linger in TIME_WAIT is free, a listener's is not.
public enum LoopbackPorts {
    /// True when `port` can be bound on `host` right now.
    public static func isFree(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }

    /// The first port the kernel hands out as a connection's source port (32768 when unknown).
    public static func ephemeralLow() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
              let low = Int(first) else { return 32768 }
        return low
    }

    /// `count` distinct free ports below the kernel's ephemeral range, scanning up from a random
    /// start. Below that range no outgoing connection can take one as its source port between
    /// this check and the server binding it (an Apache election port was lost that way once).
    public static func pickFree(_ count: Int, host: String = "127.0.0.1") -> [Int]? {
        let low = 10_000
        let high = max(ephemeralLow(), low + 2000)
        var found: [Int] = []
        var port = Int.random(in: low..<(high - 1000))
        var tried = 0
        while found.count < count && tried < high - low {
            if isFree(port, host: host) { found.append(port) }
            port = port + 1 >= high ? low : port + 1
            tried += 1
        }
        return found.count == count ? found : nil
    }
}

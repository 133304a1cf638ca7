/// The iteration order of a Java `ConcurrentHashMap<String, …>`, which is the order ZooKeeper's
/// `mntr` prints its metrics in (`DefaultMetricsProvider` keeps gauges, counters and summaries in
/// such maps and dumps each with `forEach`).
///
/// Reproduced rather than replaced by a sorted order so swzk's `mntr` lists keys where a live 3.8
/// server lists them: a 3.8.0 standalone server and a 3.8.0 leader (the `4lw/` fixtures) match
/// exactly when the keys are inserted in ZooKeeper's registration order.
enum JavaHashOrder {
    /// `keys` (distinct, in insertion order) in the order a `ConcurrentHashMap` created with the
    /// default capacity iterates them after inserting them one by one.
    ///
    /// The model: a table of 16 bins that doubles whenever the count reaches three quarters of
    /// it; a key goes to bin `spread(String.hashCode) & (n - 1)` and is appended to that bin's
    /// list; a resize splits each list as `ConcurrentHashMap.transfer` does, keeping the trailing
    /// run of nodes bound for the same half in order and prepending the nodes before it (which
    /// reverses them). Bins that would become trees (8 or more keys) are not modelled.
    static func concurrentHashMap(_ keys: [String]) -> [String] {
        var capacity = 16
        var bins = [[(key: String, hash: UInt32)]](repeating: [], count: capacity)
        var count = 0
        for key in keys {
            let hash = spread(javaHashCode(key))
            bins[Int(hash) & (capacity - 1)].append((key, hash))
            count += 1
            while count >= capacity - capacity / 4 {
                bins = transfer(bins, capacity: capacity)
                capacity *= 2
            }
        }
        return bins.flatMap { $0.map(\.key) }
    }

    /// One `ConcurrentHashMap.transfer` to a table twice as large.
    private static func transfer(_ bins: [[(key: String, hash: UInt32)]], capacity n: Int) -> [[(key: String, hash: UInt32)]] {
        var next = [[(key: String, hash: UInt32)]](repeating: [], count: 2 * n)
        for (index, bin) in bins.enumerated() where !bin.isEmpty {
            let high = { (node: (key: String, hash: UInt32)) in Int(node.hash) & n != 0 }
            var lastRun = 0
            var runBit = high(bin[0])
            for position in 1..<bin.count where high(bin[position]) != runBit {
                runBit = high(bin[position])
                lastRun = position
            }
            var low = runBit ? [] : Array(bin[lastRun...])
            var upper = runBit ? Array(bin[lastRun...]) : []
            for node in bin[..<lastRun] {
                if high(node) { upper.insert(node, at: 0) } else { low.insert(node, at: 0) }
            }
            next[index] = low
            next[index + n] = upper
        }
        return next
    }

    /// Java's `String.hashCode`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 units, wrapping.
    static func javaHashCode(_ text: String) -> UInt32 {
        text.utf16.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) }
    }

    /// `ConcurrentHashMap.spread`: the high half folded into the low half, sign bit cleared.
    private static func spread(_ hash: UInt32) -> UInt32 {
        (hash ^ (hash >> 16)) & 0x7fff_ffff
    }
}

import Testing
@testable import ZKCore

/// The leader's SNAP streams: the SNAP packet first, the tree in chunks, and every packet for
/// that learner held until the stream ends, then sent in order.
@Suite struct SnapshotStreamsTests {
    let a = LearnerConnectionID(1)
    let b = LearnerConnectionID(2)
    let sessions: [(id: SessionID, timeoutMs: Int32)] = [(SessionID(0x1_0000_0001), 30_000)]

    func tree() -> SnapshotTestTreeDriver {
        let driver = sampleSnapshotDriver()
        for i in 0..<30 { driver.create("/n\(i)", "v\(i)") }
        return driver
    }

    @Test func packetsWaitBehindTheStreamAndFollowItInOrder() throws {
        let driver = tree()
        var streams = SnapshotStreams()
        let snap = streams.start(a, tree: driver.tree, sessions: sessions)
        #expect(snap.type == ZabType.snap.rawValue)
        #expect(Zxid(snap.zxid) == driver.tree.lastProcessedZxid)
        #expect(streams.isStreaming(a) && !streams.isStreaming(b))
        let p1 = ZabPacket.bare(.newLeader, zxid: Zxid(epoch: 1, counter: 0))
        let p2 = ZabPacket.bare(.commit, zxid: Zxid(epoch: 1, counter: 1))
        #expect(streams.route(a, [p1]).isEmpty)
        #expect(streams.route(b, [p2]) == [p2], "a learner without a stream gets its packets at once")
        var decoder = SnapshotStreamDecoder()
        var decoded: SnapshotStreamDecoder.Result?
        var chunks = 0
        var held: [QuorumPacket]?
        while held == nil {
            let step = streams.next(a, maxNodes: 4)
            switch try #require(step) {
            case .bytes(let bytes):
                chunks += 1
                #expect(decoded == nil)
                decoded = try decoder.feed(bytes)
                if chunks == 2 { #expect(streams.route(a, [p2]).isEmpty) }
            case .finished(let packets):
                held = packets
            }
        }
        #expect(chunks > 5)
        #expect(held == [p1, p2])
        #expect(!streams.isStreaming(a))
        #expect(streams.next(a, maxNodes: 4) == nil)
        #expect(streams.route(a, [p1]) == [p1], "after the stream, packets go at once")
        let state = try #require(decoded).recoveredState(zxid: Zxid(snap.zxid))
        expectSameTree(driver.tree, state.tree)
    }

    @Test func aDroppedStreamForgetsItsHeldPackets() {
        let driver = tree()
        var streams = SnapshotStreams()
        _ = streams.start(a, tree: driver.tree, sessions: sessions)
        _ = streams.start(b, tree: driver.tree, sessions: sessions)
        #expect(streams.active == [a, b])
        _ = streams.route(a, [ZabPacket.bare(.ping, zxid: .zero)])
        streams.drop(a)
        #expect(streams.next(a, maxNodes: 4) == nil)
        #expect(streams.route(a, [ZabPacket.bare(.ping, zxid: .zero)]).count == 1)
        streams.dropAll()
        #expect(streams.active.isEmpty)
    }
}

/// How a member compares each applied txn's recorded digest with its tree.
@Suite struct DigestCheckTests {
    func create(_ path: String) -> ClientRequest {
        .create(.create, CreateRequest(path: path, data: Array("x".utf8), acl: ACL.openUnsafe, flags: 0))
    }

    /// Two creates prepared and committed by the leader, with their digests.
    func leaderTxns(_ e: inout EnsembleCores) -> [LoggedTxn] {
        let session = e.learnerSession(1)
        _ = e.learner.applyCommitted([], now: e.now)
        var txns: [LoggedTxn] = []
        for (cxid, path) in [(Int32(1), "/a"), (2, "/b")] {
            txns += e.prepareAndCommit(ForwardedRequest(session: session, cxid: cxid, type: .create,
                                                        body: create(path).encodedBody(), authInfo: []))
        }
        #expect(txns.count == 2 && txns.allSatisfy { $0.digest != nil })
        return txns
    }

    @Test func aLearnerCountsAndLogsADifferenceInsteadOfStopping() {
        var e = EnsembleCores()
        let txns = leaderTxns(&e)
        #expect(e.learner.digestCheck == .own)
        e.learner.digestCheck = .peer
        // The learner's tree differs from the leader's: a node the leader never had.
        var triggers: [WatchTrigger] = []
        _ = try? e.learner.tree.createNode(path: "/stray", data: nil, acl: ACL.openUnsafe, ephemeralOwner: 0,
                                           parentCVersion: -1, zxid: Zxid(1), time: 0, triggers: &triggers)
        let out = e.learner.applyCommitted(txns, now: e.now)
        #expect(e.learner.report(now: e.now).digestMismatches == 2)
        #expect(out.contains { if case .log(.error, let text) = $0 { return text.contains("digest") } else { return false } })
    }

    @Test func afterAFuzzySnapshotDifferencesAreExpectedUntilTheFirstMatch() {
        var e = EnsembleCores()
        let txns = leaderTxns(&e)
        // A fuzzy SNAP: the learner's tree already holds the second create, not yet the first.
        var triggers: [WatchTrigger] = []
        let zxid = e.learner.tree.lastProcessedZxid
        _ = e.learner.tree.apply(txns[1].header, txns[1].body, triggers: &triggers)
        e.learner.tree.lastProcessedZxid = zxid
        e.learner.digestCheck = .fuzzy
        _ = e.learner.applyCommitted([txns[0]], now: e.now)
        #expect(e.learner.digestCheck == .fuzzy, "the first create does not match yet")
        _ = e.learner.applyCommitted([txns[1]], now: e.now)
        #expect(e.learner.digestCheck == .peer, "replaying the second create makes the trees equal")
        #expect(e.learner.tree.digest == e.leader.tree.digest)
        #expect(e.learner.report(now: e.now).digestMismatches == 0)
    }
}

import Testing
@testable import ZKCore

/// Less travelled paths: sessions outliving their sockets, client-sent deleteContainer, delete's
/// lax path handling, and preparation against pending ACL changes.
@Suite struct ServerCoreEdgeTests {
    let c1 = ConnectionID(1), c2 = ConnectionID(2)

    @Test func droppedSocketSessionExpiresWithItsEphemerals() {
        // Spec §13 (live 3.8.0): the server closes it one timeout later with a cxid 0 closeSession.
        let h = CoreHarness()
        let session = h.session(1, timeout: 4000)
        _ = h.create(1, "/holder-eph", flags: 1)
        h.driver.feed(.closed(c1))
        #expect(h.core.sessions.isActive(session))
        #expect(h.tree.node(at: "/holder-eph") != nil)
        _ = h.tick(7000)
        #expect(h.logged.last?.header.cxid == 0)
        #expect(h.logged.last?.body == .closeSession(CloseSessionTxn(paths2Delete: ["/holder-eph"])))
        #expect(h.tree.node(at: "/holder-eph") == nil)
    }

    @Test func resumedSessionKeepsItsEphemerals() {
        let h = CoreHarness()
        let session = h.session(1, timeout: 4000)
        _ = h.create(1, "/eph", flags: 1)
        h.driver.feed(.closed(c1))
        _ = h.tick(3000)
        h.open(2)
        let out = h.driver.feed(.connect(c2, CoreHarness.connectRequest(
            session: session.rawValue, passwd: SessionCredentials.sessionPassword(for: session), timeout: 4000,
            lastZxidSeen: h.lastZxid)))
        #expect(out.sent(to: c2).count == 1)
        _ = h.tick(3000)
        #expect(h.core.sessions.isActive(session), "the reconnect renewed the session")
        #expect(h.call(2, .getEphemerals(GetEphemeralsRequest(prefixPath: nil))).body
            == .ephemerals(GetEphemeralsResponse(ephemerals: ["/eph"])))
    }

    @Test func clientAheadDoesNotDisturbTheSessionsConnection() {
        let h = CoreHarness()
        let session = h.session(1)
        h.open(2)
        let out = h.driver.feed(.connect(c2, CoreHarness.connectRequest(
            session: session.rawValue, passwd: SessionCredentials.sessionPassword(for: session),
            lastZxidSeen: h.lastZxid + 10)))
        #expect(out.closed(c2))
        #expect(!out.closed(c1), "step 4 comes before the old connection is closed")
        #expect(h.getData(1, "/").err == .ok)
    }

    @Test func reconnectToAClosingSessionIsRefused() {
        let h = CoreHarness()
        let session = h.session(1, timeout: 4000)
        h.driver.autoSync = false
        _ = h.tick(7000)
        h.open(2)
        let out = h.driver.feed(.connect(c2, CoreHarness.connectRequest(
            session: session.rawValue, passwd: SessionCredentials.sessionPassword(for: session))))
        #expect(out.sent(to: c2) == [.connectResponse(.invalid(readOnly: false))])
        #expect(out.closed(c2))
    }

    @Test func clientDeleteContainerRefusesEphemeralsAndNonEmptyNodes() {
        // Spec §7: op 20 answers BadVersion for a normal ephemeral and NotEmpty if children appeared.
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/eph", flags: 1)
        _ = h.create(1, "/full")
        _ = h.create(1, "/full/kid")
        _ = h.create(1, "/plain")
        #expect(h.call(1, .deleteContainer(path: "/eph")).err == .badVersion)
        #expect(h.call(1, .deleteContainer(path: "/full")).err == .notEmpty)
        #expect(h.call(1, .deleteContainer(path: "/missing")).err == .noNode)
        #expect(h.call(1, .deleteContainer(path: "/zookeeper")).err == .badArguments)
        let plain = h.call(1, .deleteContainer(path: "/plain"))
        #expect(plain.err == .ok)
        #expect(h.logged.last?.header.type == .deleteContainer)
        #expect(h.logged.last?.body == .delete(DeleteTxn(path: "/plain")))
    }

    @Test func deleteOnlyDerivesTheParent() {
        // Spec §6: delete does not validate the path; a malformed one is simply not found.
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/open")
        #expect(h.delete(1, "/open/").err == .noNode)
        #expect(h.delete(1, "//x").err == .noNode)
        #expect(h.delete(1, "/open/./x").err == .noNode)
        #expect(h.getData(1, "/open/").err == .noNode)
    }

    @Test func writesAreCheckedAgainstPendingACLs() {
        let h = CoreHarness()
        h.session(1)
        _ = h.create(1, "/a")
        h.driver.autoSync = false
        h.send(1, .setACL(SetACLRequest(path: "/a", acl: [ACL(perms: .read, id: .anyone)])))
        h.send(1, .create(.create, CreateRequest(path: "/a/b", data: [], acl: ACL.openUnsafe, flags: 0)))
        h.send(1, .setData(SetDataRequest(path: "/a", data: [1])))
        h.send(1, .setACL(SetACLRequest(path: "/a", acl: ACL.openUnsafe, version: 1)))
        let errors = h.driver.sync().replies(to: c1).map(\.0.err)
        // READ only: no CREATE, no WRITE, no ADMIN.
        #expect(errors == [.ok, .noAuth, .noAuth, .noAuth])
    }

    @Test func pendingEphemeralParentRefusesChildren() {
        let h = CoreHarness()
        h.session(1)
        h.driver.autoSync = false
        h.send(1, .create(.create, CreateRequest(path: "/e", data: [], acl: ACL.openUnsafe, flags: 1)))
        h.send(1, .create(.create, CreateRequest(path: "/e/c", data: [], acl: ACL.openUnsafe, flags: 0)))
        h.send(1, .create(.create, CreateRequest(path: "/e", data: [], acl: ACL.openUnsafe, flags: 0)))
        #expect(h.driver.sync().replies(to: c1).map(\.0.err) == [.ok, .noChildrenForEphemerals, .nodeExists])
    }

    @Test func writeBeforeTheConnectResponseIsAnsweredAfterIt() {
        let h = CoreHarness()
        h.driver.autoSync = false
        h.open(1)
        h.driver.feed(.connect(c1, CoreHarness.connectRequest()))
        h.send(1, .create(.create, CreateRequest(path: "/early", data: [], acl: ACL.openUnsafe, flags: 1)))
        let out = h.driver.sync().sent(to: c1)
        #expect(out.count == 2)
        guard out.count == 2, case .connectResponse(let response) = out[0] else {
            Issue.record("expected the ConnectResponse first, got \(out)"); return
        }
        if case let .reply(header, .create(created)) = out[1] {
            #expect(header.err == .ok && created.path == "/early")
        } else {
            Issue.record("expected the create reply, got \(out[1])")
        }
        #expect(h.tree.node(at: "/early")?.stat.ephemeralOwner == response.sessionId)
    }
}

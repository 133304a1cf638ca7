/// The running checksum that seals a snapshot (disk-format.md §5): `java.util.zip.Adler32` over
/// every uncompressed byte written before the seal, as ZooKeeper's `CheckedOutputStream` keeps
/// it. The same Adler-32 as the txn log's records.
public typealias SnapshotChecksum = Adler32

import MTLNet

/// CSV reader: any text (and any bytes, through the UTF-8 check of `CSVTable(path:)`'s
/// decoding step) either parses into a rectangular table or throws; it never traps.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // Same decoding as CSVTable(path:): invalid UTF-8 is refused there, so only valid text reaches the parser.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    if let table = try? CSVTable(text: text, path: "fuzz.csv") {
        // The invariants the dataset loaders rely on.
        precondition(!table.header.isEmpty && Set(table.header).count == table.header.count)
        precondition(table.rows.count == table.lines.count)
        for row in table.rows { precondition(row.count == table.header.count) }
        for name in table.header { _ = try? table.column(name) }
        _ = try? table.column("no such column")
    }
    return 0
}

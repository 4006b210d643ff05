extension Column {
    /// The values (and validity) at `rows`, in that order: a filtered, reordered or repeated
    /// copy of this column. Indices may repeat; missing values stay missing.
    ///
    /// - Throws: ``TabularError/invalidArgument(name:reason:)`` naming the first index outside
    ///   `0..<count` (checked before anything is copied).
    /// - Complexity: O(`rows.count`) time and memory.
    public func gathering(rows: [Int]) throws(TabularError) -> Column {
        let count = self.count
        if let bad = rows.first(where: { $0 < 0 || $0 >= count }) {
            throw .invalidArgument(name: "rows", reason: "index \(bad) is outside 0..<\(count) of column '\(name)'")
        }
        func gather<Element>(_ source: [Element]) -> [Element] {
            [Element](unsafeUninitializedCapacity: rows.count) { buffer, initialised in
                source.withUnsafeBufferPointer { values in
                    for (position, row) in rows.enumerated() {
                        (buffer.baseAddress! + position).initialize(to: values[row])
                    }
                }
                initialised = rows.count
            }
        }
        let gathered: ColumnValues
        switch values {
        case let .float64(v): gathered = .float64(gather(v))
        case let .int64(v): gathered = .int64(gather(v))
        case let .bool(v): gathered = .bool(gather(v))
        case let .categorical(codes, dictionary): gathered = .categorical(codes: gather(codes), dictionary: dictionary)
        case let .date(v): gathered = .date(gather(v))
        case let .timestamp(v): gathered = .timestamp(gather(v))
        }
        let validity = self.validity.map { bitmap in ValidityBitmap(rows.lazy.map { bitmap.isValid($0) }) }
        do { return try Column(name: name, values: gathered, validity: validity) } catch {
            // Lengths agree by construction; a failure here is a bug in this function.
            preconditionFailure("gathering produced inconsistent lengths: \(error)")
        }
    }
}

extension Table {
    /// The rows at `rows` of every column, in that order (a filtered or reordered table).
    ///
    /// - Throws: ``TabularError/invalidArgument(name:reason:)`` for an index outside
    ///   `0..<rowCount` (nothing is copied).
    /// - Complexity: O(`rows.count` × columns).
    public func gathering(rows: [Int]) throws(TabularError) -> Table {
        if let bad = rows.first(where: { $0 < 0 || $0 >= rowCount }) {
            throw .invalidArgument(name: "rows", reason: "index \(bad) is outside 0..<\(rowCount) rows")
        }
        var gathered: [Column] = []
        gathered.reserveCapacity(columnCount)
        for column in columns { gathered.append(try column.gathering(rows: rows)) }
        return Table(uncheckedColumns: gathered, rowCount: rows.count)
    }
}

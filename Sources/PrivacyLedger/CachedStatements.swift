import GRDB

/// Single SQL statements through the connection's statement cache: the release path runs the
/// same dozen statements for every release, so each is compiled once per connection.
extension Database {
    /// Executes one cached statement.
    func executeCached(sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// The first row of one cached statement, or `nil`.
    func cachedRow(sql: String, arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    /// Every row of one cached statement.
    func cachedRows(sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// The first column of the first row of one cached statement, or `nil`.
    func cachedValue<Value: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: Value.Type, sql: String,
        arguments: StatementArguments = []
    ) throws -> Value? {
        try Value.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}

extension Row {
    /// The value of `column` as `Value`. GRDB's `row[column]` traps when the stored value has
    /// another type; the ledger file can be edited or damaged outside the kernel (the `ledger`
    /// fuzz target stored a blob in `audit.time`), so every ledger read goes through here and
    /// such a value is a typed error naming the column, never a crash. The message does not
    /// quote the stored value.
    /// - Throws: ``PrivacyLedgerError/storage(reason:)``.
    /// - Complexity: O(1) plus the conversion.
    func ledgerValue<Value: DatabaseValueConvertible>(
        _ column: String, as type: Value.Type = Value.self
    ) throws(PrivacyLedgerError) -> Value {
        do { return try decode(Value.self, forColumn: column) } catch {
            throw .storage(
                reason:
                    "the ledger column '\(column)' holds a value of the wrong type (the file was edited or is damaged; run `privacy-kernel ledger audit-verify`)"
            )
        }
    }
}

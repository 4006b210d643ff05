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
    func cachedValue<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ type: Value.Type, sql: String,
                                                                                    arguments: StatementArguments = []) throws -> Value? {
        try Value.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }
}

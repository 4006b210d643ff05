/// Namespace of the anonymity module: k-anonymity, l-diversity and t-closeness checks over
/// quasi-identifiers, hierarchies, optimal generalisation and re-identification risk.
public enum Anonymity {}

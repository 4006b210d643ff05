/// Namespace of the anonymity module: k-anonymity, l-diversity and t-closeness checks over
/// quasi-identifiers, hierarchies, optimal generalisation and re-identification risk.
///
/// Entry points: ``Anonymity/check(_:quasiIdentifiers:sensitive:requirements:)`` for checks,
/// ``Anonymity/generalise(_:quasiIdentifiers:hierarchies:models:sensitive:suppressionLimit:metric:gsFactor:progress:)`` for
/// the optimal full-domain search, ``Anonymity/mondrian(_:quasiIdentifiers:k:)`` for local
/// recoding, ``Anonymity/risk(_:quasiIdentifiers:threshold:population:)`` for re-identification risk.
public enum Anonymity {}

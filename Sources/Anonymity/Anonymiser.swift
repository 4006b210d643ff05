/// Namespace of the anonymity module: k-anonymity, l-diversity and t-closeness checks over
/// quasi-identifiers, hierarchies, optimal generalisation and re-identification risk.
///
/// Entry points: ``Anonymiser/check(_:quasiIdentifiers:sensitive:requirements:)`` for checks,
/// ``Anonymiser/generalise(_:quasiIdentifiers:hierarchies:models:sensitive:suppressionLimit:metric:gsFactor:progress:)`` for
/// the optimal full-domain search, ``Anonymiser/mondrian(_:quasiIdentifiers:k:)`` for local
/// recoding, ``Anonymiser/risk(_:quasiIdentifiers:threshold:population:)`` for re-identification risk.
public enum Anonymiser {}

// The accounting layer is part of this module's interface: events, budgets, accountants, the
// budget-store seam and `DifferentialPrivacyError` are used with every query, so a client that
// imports `DifferentialPrivacy` gets them without a second import.
@_exported public import PrivacyAccounting

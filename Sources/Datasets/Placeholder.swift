// Filled by the datasets work.

// Filled by the secure-random work.

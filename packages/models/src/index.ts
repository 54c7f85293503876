// Placeholder until this package's issue lands: it exports nothing yet.
export {}

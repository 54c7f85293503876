// Anomaly mode's switch, read by Node (creation stacks) and the engine (NaN checks).
export const anomaly = { enabled: false }

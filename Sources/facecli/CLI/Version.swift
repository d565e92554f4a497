/// Printed by `facecli --version`.
public let facecliVersion = "0.1.0"

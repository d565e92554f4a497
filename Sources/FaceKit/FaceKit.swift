// X module; see the target's description in Package.swift.

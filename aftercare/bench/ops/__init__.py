"""Operations by domain app; each module registers its own with @harness.operation."""

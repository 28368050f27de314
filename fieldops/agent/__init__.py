"""The technicians' voice agent: a rule-based understanding of what was said, and a dialogue that acts
only through the technician's own services. Nothing here calls an outside service or loads a model."""

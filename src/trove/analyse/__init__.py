"""Analysis of extracted text: what language it is in, and later entities and more."""

"""One module per format family. Every `Extractor` subclass defined here takes part in
the dispatcher's auction; adding a format is adding a module."""

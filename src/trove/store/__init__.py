"""Storage: the metadata store (what is known about files) and the evidence store
(the originals, byte for byte). Each is an interface with an embedded implementation;
a server implementation is a second class honouring the same contract."""

from trove.store.evidence import EvidenceStore, LocalEvidenceStore
from trove.store.metadata import MetadataStore, open_metadata_store

__all__ = ["EvidenceStore", "LocalEvidenceStore", "MetadataStore", "open_metadata_store"]

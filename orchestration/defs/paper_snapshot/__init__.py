"""The paper's snapshot: the reader of its three files, their raw assets, the paper-layout writer."""

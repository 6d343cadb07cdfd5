"""HFCommunity dumps of the whole Hub: the dump reader, the dump as the paper's files, its raw assets."""

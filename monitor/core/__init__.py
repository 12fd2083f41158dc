"""Pure: no disk, network, clock, click or rich. Bytes and text in, typed values out."""

package jabra

// FindLayout finds the GN collection in a raw report descriptor and sizes
// its frames.
func FindLayout(desc []byte) (Layout, error) {
	fields, err := parseFields(desc)
	if err != nil {
		return Layout{}, err
	}
	return layoutOf(fields)
}

package email

// SetOnIngest makes c call fn after each mail it takes in (tests stop the
// channel mid-way with it).
func SetOnIngest(c *Channel, fn func()) { c.onIngest = fn }

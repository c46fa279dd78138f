// Placeholder: the route walk (issue 9) is being written.

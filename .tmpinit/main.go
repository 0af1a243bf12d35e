package main

import _ "github.com/earshot-app/earshot/cmd/internal/cli"

func main() {}

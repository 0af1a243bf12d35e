package main

import (
	"testing"

	"github.com/earshot-app/earshot/translations/translationstest"
)

func TestEveryKeyUsedExists(t *testing.T) {
	translationstest.UsedKeysExist(t, ".", 3)
}
